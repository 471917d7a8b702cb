#!/usr/bin/env bash
# bench/permsg.sh — what one echoed message costs each server: CPU time, system calls (by kind) and context switches
# of the server process per message, counted by `perf stat` while bench/loadgen keeps it busy. A measure that depends
# little on the load generator or on how busy the machine is (unlike msgs/s), so servers compare across runs too.
#
#   SERVERS="ours-raw servlet-tomcat" CASES="100x20 100x1024" bench/permsg.sh
#
# Env: SERVERS (default "ours-raw servlet-tomcat servlet-jetty"), CASES (default "100x20 100x1024", CONNSxBYTES),
#      REPS (1; servers alternate order each repetition), SERVER_CPU (0), LOAD_CPU (1), WARMUP (3 s before counting),
#      COUNT (4 s counted), SERVER_QUOTA (percent of one CPU for the server, as in bench/echo.sh: with it the server
#      is saturated, so every server is counted at the same load), BENCH_JVM_OPTS (see bench/server.sh). Needs perf (Debian: linux-perf) and root or
#      kernel.perf_event_paranoid <= 1 for the system-call tracepoints.
# Output: one line per run on stdout and bench/target/permsg.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVERS=${SERVERS:-"ours-raw servlet-tomcat servlet-jetty"}
CASES=${CASES:-"100x20 100x1024"}
REPS=${REPS:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
WARMUP=${WARMUP:-3}
COUNT=${COUNT:-4}
. bench/lib.sh
command -v perf >/dev/null || { echo "permsg.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
bench_setup
if [ -n "${SERVER_QUOTA:-}" ]; then
  CGROUP_PROCS=$(cpu_quota_cgroup fastwebsockets-bench "$SERVER_QUOTA")
fi

# The system calls counted one by one; "all" is every system call.
CALLS="read readv write writev epoll_wait epoll_pwait epoll_ctl futex"
events="task-clock,context-switches,raw_syscalls:sys_enter"
for c in $CALLS; do events+=",syscalls:sys_enter_$c"; done
trap stop_server EXIT
start_server ours-raw  # builds the servers once, before anything is counted
stop_server
export SKIP_BUILD=1

RES=$OUT/permsg.tsv
printf 'server\tconns\tsize\tmsgs_per_sec\tcpu_us\tsyscalls\tctx_switches' >"$RES"
for c in $CALLS; do printf '\t%s' "$c" >>"$RES"; done
printf '\n' >>"$RES"
read -r -a names <<<"$SERVERS"
for rep in $(seq 1 "$REPS"); do
  order=("${names[@]}")
  if [ $((rep % 2)) -eq 0 ]; then
    order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  for s in "${order[@]}"; do
    for cs in $CASES; do
      n=${cs%x*}; b=${cs#*x}
      start_server "$s"
      taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -P "$SERVER_PID" -c "$n" -s "$b" -w "$WARMUP" \
        -d $((COUNT + 2)) >"$OUT/permsg-loadgen.out" &
      lg=$!
      sleep $((WARMUP + 1))
      perf stat -x, -p "$SERVER_PID" -e "$events" -- sleep "$COUNT" 2>"$OUT/permsg-perf.out" >/dev/null
      wait $lg || true
      stop_server
      python3 - "$s" "$n" "$b" "$COUNT" "$CALLS" "$OUT/permsg-perf.out" "$OUT/permsg-loadgen.out" <<'PY' | tee -a "$RES"
import re, sys
server, conns, size, count, calls, perf, lg = sys.argv[1:]
text = open(lg).read()
m = re.search(r"msgs_per_sec=([0-9.]+)", text)
rate = float(m.group(1)) if m else 0.0
msgs = rate * float(count) or 1.0
d = {}
for line in open(perf):
    p = line.strip().split(",")
    if len(p) > 3 and p[0] not in ("", "<not counted>", "<not supported>"):
        d[p[2]] = float(p[0])
row = [server, conns, size, "%.0f" % rate, "%.2f" % (d.get("task-clock", 0) * 1000 / msgs),
       "%.2f" % (d.get("raw_syscalls:sys_enter", 0) / msgs), "%.2f" % (d.get("context-switches", 0) / msgs)]
row += ["%.2f" % (d.get("syscalls:sys_enter_" + c, 0) / msgs) for c in calls.split()]
print("\t".join(row))
PY
    done
  done
done
column -t "$RES"
