#!/usr/bin/env bash
# bench/fanout.sh — the fan-out benchmark (issue 14): servers that send every message any client sends to every
# connected client, side by side in one run; server and load generator pinned to different cores, alternating
# order, repetitions, medians, ratios to Netty (to each Netty variant run; the goal against the best of them). See
# docs/benchmarks.md ("Fan-out").
#
#   bench/fanout.sh        the table (bench/target/fanout-results.tsv, then Markdown from bench/fanout_table.py)
#
# The load generator is bench/loadgen.c in broadcast mode (loadgen -b): N clients; each round every client sends
# one binary message and waits until it has received all N messages of the round (its own included), then the next
# round starts. A delivery is one message received by one client; every one is checked (round, sender, payload).
#
# Env: SERVERS  (default "ours-broadcast netty-broadcast-framed-once netty-broadcast jetty-broadcast helidon-broadcast
#               c-floor-broadcast", names of bench/server.sh; netty-broadcast-framed-once is Netty written for
#               throughput (one flush per channel and event-loop tick, each message framed once), netty-broadcast
#               the same with writeAndFlush per message; netty-broadcast-batched and netty-broadcast-consolidated are
#               the steps between; c-floor-broadcast is bench/floor.c --broadcast, the ceiling, not a peer)
#      CASES    (default "100x20 1000x20 100x1024 100x1024s", CLIENTSxBYTES; a trailing s: one more client that
#               connects and then never reads (loadgen -S 1, with a 4 KiB receive buffer), a slow consumer the
#               server must neither let stall the others nor let grow its memory)
#      MAX_BACKLOG (262144) bytes a server may queue for one client before its slow-consumer policy acts, passed
#               as --max-backlog to every server that takes it (all but Helidon, which has no such bound). Small
#               enough that the stalled client passes it within the measurement; more than twice what a reading
#               client has queued at most (one round: 100 x 1 KiB)
#      REPS (3)  WARMUP (5 s: at half a core, 1.5 s left Netty short of its steady state; docs/benchmarks.md)
#      DURATION (2.5 s)  SERVER_CPU (0)  LOAD_CPU (1)
#      BENCH_JVM_OPTS  JVM options for every server (see bench/server.sh)
#      SERVER_QUOTA  percent of one CPU the server may use (e.g. 50), a cgroup CPU quota as in bench/echo.sh: the
#               server is then the bottleneck, not the load generator
#      LOADGEN_OPTS  more options for loadgen, e.g. -B: a generator that never sleeps (see bench/echo.sh)
# Every server is started afresh for every case (a broadcast still running from the previous case would reach the
# next case's clients), so each row's RSS is that of a server that has served only that case. With the defaults a
# run takes about 13 minutes; run it under `flock /tmp/fastws-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=${SERVERS:-"ours-broadcast netty-broadcast-framed-once netty-broadcast jetty-broadcast helidon-broadcast c-floor-broadcast"}
CASES=${CASES:-"100x20 1000x20 100x1024 100x1024s"}
MAX_BACKLOG=${MAX_BACKLOG:-262144}
REPS=${REPS:-3}
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-2.5}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
. bench/lib.sh
bench_setup
if [ -n "${SERVER_QUOTA:-}" ]; then # the servers under a CPU quota (cgroup), as bench/echo.sh's SERVER_QUOTA
  CGROUP_PROCS=$(cpu_quota_cgroup fastwebsockets-bench "$SERVER_QUOTA")
fi
SERVER_LOG_PREFIX=fanout-
launch() { # $1 = server name: start_server with the bound of every server that has one
  case "$1" in helidon*) start_server "$1" ;; *) start_server "$1" --max-backlog "$MAX_BACKLOG" ;; esac
}
trap stop_server EXIT

# Build once, before anything is timed (server.sh rebuilds when sources changed).
launch netty-broadcast
stop_server
export SKIP_BUILD=1

RES="$OUT/fanout-results.tsv"
{
  machine | sed 's/^/# /'
  echo "# WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU MAX_BACKLOG=$MAX_BACKLOG${SERVER_QUOTA:+ SERVER_QUOTA=$SERVER_QUOTA% of one CPU (cgroup)}"
  printf 'rep\tserver\tclients\tsize\tstalled\tdeliveries_per_sec\trounds_per_sec\tloadgen_cpu_pct\tserver_cpu_pct'
  printf '\tdeliveries_per_server_cpu_sec\tserver_rss_max_kib\tstalled_closed\terrors\n'
} >"$RES"
read -r -a names <<<"$SERVERS"
for rep in $(seq 1 "$REPS"); do
  order=("${names[@]}")
  if [ $((rep % 2)) -eq 0 ]; then # even repetitions run the servers backwards
    order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  for s in "${order[@]}"; do
    for c in $CASES; do
      n=${c%x*}; b=${c#*x}; stalled=0
      case "$b" in *s) b=${b%s}; stalled=1 ;; esac
      if ! launch "$s"; then
        printf '%d\t%s\t%d\t%d\t%d\t0\t0\t0\t0\t0\t0\t0\tfail\n' "$rep" "$s" "$n" "$b" "$stalled" | tee -a "$RES"
        continue
      fi
      line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -b ${LOADGEN_OPTS:-} -p "$PORT" -P "$SERVER_PID" -c "$n" -s "$b" -S "$stalled" \
        -w "$WARMUP" -d "$DURATION" 2>"$OUT/fanout-loadgen.err" || true)
      rate=$(field deliveries_per_sec "$line")
      errs=$(field errors "$line")
      if [ -z "$rate" ]; then rate=0; errs=fail; sed 's/^/  /' "$OUT/fanout-loadgen.err" | head -n 5 >&2; fi
      printf '%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$s" "$n" "$b" "$stalled" "$rate" \
        "$(field rounds_per_sec "$line")" "$(field loadgen_cpu_pct "$line")" "$(field server_cpu_pct "$line")" \
        "$(field deliveries_per_server_cpu_sec "$line")" "$(field server_rss_max_kib "$line")" \
        "$(field stalled_closed "$line")" "$errs" | tee -a "$RES"
      stop_server
    done
  done
done
python3 bench/fanout_table.py "$RES"
