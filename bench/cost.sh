#!/usr/bin/env bash
# bench/cost.sh — what one echoed message costs each server, beside the C floor (issue 21, item 6): server CPU time
# (user + system), context switches of the server's threads (/proc/PID/task/*/status) and system calls
# (strace -c -f), each divided by the messages echoed in the same window.
#
#   bench/cost.sh        bench/target/cost.tsv, then one line per server and case
#
# Two runs per server and case, on a fresh server each: the first, untraced, gives messages/s, CPU per message (the
# load generator's -P: the server's /proc/PID/stat over its measurement window) and context switches per message
# (sampled at the start and end of that window); the second attaches strace for the measurement window only and
# counts system calls per message (strace slows the server, so its rate is not quoted; calls per message are what
# the server does per message either way). The windows are aligned by sleeping, so counts may be off by the
# messages of a fraction of a second: a few percent.
# Env: SERVERS ("ours-collector ours-listener ours-raw c-floor")  CASES ("100x20", CONNSxBYTES as in echo.sh)
#      WARMUP (2 s)  DURATION (5 s)  SERVER_CPU (0)  LOAD_CPU (1)  SERVER_QUOTA (percent of one CPU for the server, as
#      in echo.sh: every server then runs saturated, so each is counted at the same load). Needs strace (Debian:
#      apt-get install strace). LOADGEN_OPTS: more options for loadgen, e.g. -B (see echo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=${SERVERS:-"ours-collector ours-listener ours-raw c-floor"}
CASES=${CASES:-"100x20"}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-5}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
. bench/lib.sh
command -v strace >/dev/null || { echo "cost.sh: needs strace (Debian: apt-get install strace)" >&2; exit 1; }
bench_setup
if [ -n "${SERVER_QUOTA:-}" ]; then
  CGROUP_PROCS=$(cpu_quota_cgroup fastwebsockets-bench "$SERVER_QUOTA")
fi
trap stop_server EXIT

# Voluntary and involuntary context switches summed over the server's threads.
ctxt() {
  cat /proc/"$SERVER_PID"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }'
}

RES="$OUT/cost.tsv"
machine | sed 's/^/# /' >"$RES"
echo "# WARMUP=$WARMUP DURATION=$DURATION SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU${SERVER_QUOTA:+ SERVER_QUOTA=$SERVER_QUOTA% of one CPU (cgroup)}" >>"$RES"
printf 'server\tconns\tsize\tmsgs_per_sec\tserver_cpu_us_per_msg\tvoluntary_cs_per_msg\tinvoluntary_cs_per_msg\tsyscalls_per_msg\ttop_syscalls_per_msg\n' >>"$RES"
for s in $SERVERS; do
  for c in $CASES; do
    n=${c%x*}; b=${c#*x}
    # Untraced: rate, CPU, context switches.
    start_server "$s"
    taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -P "$SERVER_PID" -c "$n" -s "$b" -w "$WARMUP" -d "$DURATION" \
      ${LOADGEN_OPTS:-} >"$OUT/cost-loadgen.out" 2>"$OUT/cost-loadgen.err" &
    lg=$!
    sleep "$WARMUP"
    read -r v0 n0 <<<"$(ctxt)"
    sleep "$DURATION"
    read -r v1 n1 <<<"$(ctxt)"
    wait $lg || true
    line=$(grep '^RESULT' "$OUT/cost-loadgen.out" || true)
    stop_server
    msgs=$(field msgs "$line")
    eff=$(field msgs_per_server_cpu_sec "$line")
    rate=$(field msgs_per_sec "$line")
    if [ -z "$msgs" ] || [ "$msgs" = 0 ]; then
      echo "cost.sh: $s $c failed:" >&2; cat "$OUT/cost-loadgen.err" >&2; continue
    fi
    # Traced: system calls over the measurement window.
    start_server "$s"
    taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -c "$n" -s "$b" -w "$WARMUP" -d "$DURATION" \
      ${LOADGEN_OPTS:-} >"$OUT/cost-loadgen-traced.out" 2>&1 &
    lg=$!
    sleep "$WARMUP"
    timeout -s INT "$DURATION" strace -c -f -q -p "$SERVER_PID" -o "$OUT/cost-strace-$s.txt" 2>/dev/null || true
    wait $lg || true
    tline=$(grep '^RESULT' "$OUT/cost-loadgen-traced.out" || true)
    stop_server
    tmsgs=$(field msgs "$tline")
    # strace -c's table: % time, seconds, usecs/call, calls, [errors,] syscall: calls is the 4th field of every row.
    calls=$(awk '$NF == "total" { print $4 }' "$OUT/cost-strace-$s.txt" 2>/dev/null || true)
    top=$(awk '/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && $NF != "total" { print $4, $NF }' "$OUT/cost-strace-$s.txt" |
      sort -rn | head -n 4 | awk -v m="${tmsgs:-1}" '{ printf "%s%s=%.2f", (NR > 1 ? "," : ""), $2, $1 / m }')
    printf '%s\t%d\t%d\t%s\t%.2f\t%.3f\t%.3f\t%.2f\t%s\n' "$s" "$n" "$b" "$rate" "$(echo "1000000/$eff" | bc -l)" \
      "$(echo "($v1-$v0)/$msgs" | bc -l)" "$(echo "($n1-$n0)/$msgs" | bc -l)" \
      "$(echo "${calls:-0}/${tmsgs:-1}" | bc -l)" "$top" | tee -a "$RES"
  done
done
