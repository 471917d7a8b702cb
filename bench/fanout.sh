#!/usr/bin/env bash
# bench/fanout.sh — the fan-out benchmark (issue 14): servers that send every message any client sends to every
# connected client, side by side in one run; server and load generator pinned to different cores, alternating
# order, repetitions, medians, ratios to Netty. See bench/README.md ("Fan-out").
#
#   bench/fanout.sh        the table (bench/target/fanout-results.tsv, then Markdown from bench/fanout_table.py)
#
# The load generator is bench/loadgen.c in broadcast mode (loadgen -b): N clients; each round every client sends
# one binary message and waits until it has received all N messages of the round (its own included), then the next
# round starts. A delivery is one message received by one client; every one is checked (round, sender, payload).
#
# Env: SERVERS  (default "ours-broadcast netty-broadcast jetty-broadcast helidon-broadcast c-floor-broadcast", names
#               of bench/server.sh; c-floor-broadcast is bench/floor.c --broadcast, the ceiling, not a peer)
#      CASES    (default "100x20 1000x20 100x1024 100x1024s", CLIENTSxBYTES; a trailing s: one more client that
#               connects and then never reads (loadgen -S 1, with a 4 KiB receive buffer), a slow consumer the
#               server must neither let stall the others nor let grow its memory)
#      MAX_BACKLOG (262144) bytes a server may queue for one client before its slow-consumer policy acts, passed
#               as --max-backlog to every server that takes it (all but Helidon, which has no such bound). Small
#               enough that the stalled client passes it within the measurement; more than twice what a reading
#               client has queued at most (one round: 100 x 1 KiB)
#      REPS (3)  WARMUP (1.5 s)  DURATION (2.5 s)  SERVER_CPU (0)  LOAD_CPU (1)
#      BENCH_JVM_OPTS  JVM options for every server (see bench/server.sh)
# Every server is started afresh for every case (a broadcast still running from the previous case would reach the
# next case's clients), so each row's RSS is that of a server that has served only that case. With the defaults a
# run takes about 5 minutes; run it under `flock /tmp/fastws-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=${SERVERS:-"ours-broadcast netty-broadcast jetty-broadcast helidon-broadcast c-floor-broadcast"}
CASES=${CASES:-"100x20 1000x20 100x1024 100x1024s"}
MAX_BACKLOG=${MAX_BACKLOG:-262144}
REPS=${REPS:-3}
WARMUP=${WARMUP:-1.5}
DURATION=${DURATION:-2.5}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=bench/target
mkdir -p "$OUT"

gcc -O2 -Wall -o "$OUT/loadgen" bench/loadgen.c -lz  # zlib: Debian's zlib1g-dev
JAVA_HOME=$(./fastws mvn -v | sed -n 's/^Java version: .*, runtime: //p' | head -n1)
export BENCH_JAVA=$JAVA_HOME/bin/java

SERVER_PID=
launch() { # $1 = server name; sets SERVER_PID and PORT, or fails with the server's log
  local log="$OUT/fanout-server-$1.log" extra=()
  case "$1" in helidon*) ;; *) extra=(--max-backlog "$MAX_BACKLOG") ;; esac
  taskset -c "$SERVER_CPU" bench/server.sh "$1" --port 0 "${extra[@]}" >"$log" 2>&1 &
  SERVER_PID=$! # server.sh execs the server: this is its PID
  PORT=
  for _ in $(seq 1 3000); do
    PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "fanout.sh: server $1 did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

halt() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap halt EXIT

# Build once, before anything is timed (server.sh rebuilds when sources changed).
launch netty-broadcast
halt
export SKIP_BUILD=1

field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

RES="$OUT/fanout-results.tsv"
{
  echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# cpu: $(nproc) x $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
  echo "# kernel: $(uname -r)"
  echo "# java: $("$BENCH_JAVA" -version 2>&1 | head -n1)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU MAX_BACKLOG=$MAX_BACKLOG"
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
      line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -b -p "$PORT" -P "$SERVER_PID" -c "$n" -s "$b" -S "$stalled" \
        -w "$WARMUP" -d "$DURATION" 2>"$OUT/fanout-loadgen.err" || true)
      rate=$(field deliveries_per_sec "$line")
      errs=$(field errors "$line")
      if [ -z "$rate" ]; then rate=0; errs=fail; sed 's/^/  /' "$OUT/fanout-loadgen.err" | head -n 5 >&2; fi
      printf '%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$s" "$n" "$b" "$stalled" "$rate" \
        "$(field rounds_per_sec "$line")" "$(field loadgen_cpu_pct "$line")" "$(field server_cpu_pct "$line")" \
        "$(field deliveries_per_server_cpu_sec "$line")" "$(field server_rss_max_kib "$line")" \
        "$(field stalled_closed "$line")" "$errs" | tee -a "$RES"
      halt
    done
  done
done
python3 bench/fanout_table.py "$RES"
