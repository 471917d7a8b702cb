# bench/lib.sh — what the benchmark scripts share; sourced (`. bench/lib.sh`) from the repository's root by
# echo.sh, fanout.sh, cluster.sh and clients.sh, never run on its own.
#
#   bench_setup            OUT=bench/target; builds the C load generator there; JAVA_HOME and BENCH_JAVA (exported, for
#                          bench/server.sh) from the JDK that ./fastws finds
#   cpu_quota_cgroup NAME PERCENT
#                          makes (or reuses) the cgroup NAME with a CPU quota of PERCENT of one CPU (period 10 ms, so
#                          throttling comes in short slices) and prints its cgroup.procs file; root, cgroup v1's cpu
#                          controller or v2 with cpu enabled; fails with a message otherwise
#   start_server NAME [ARGS...]
#                          bench/server.sh NAME --port 0 ARGS on SERVER_CPU, into CGROUP_PROCS if set; its log is
#                          $OUT/${SERVER_LOG_PREFIX}server-NAME.log; sets SERVER_PID (server.sh execs the server: the
#                          server's own PID) and PORT, or fails with the server's log
#   poll_until PID CMD...  CMD every 0.1 s until it succeeds, PID exits or 300 s pass
#   stop_server            SIGTERM, 10 s, SIGKILL; nothing when no server runs (an EXIT trap calls it)
#   machine                date, CPU, kernel, java and load average, one per line (each TSV's comment lines)
#   field NAME LINE        the value of NAME=... in a RESULT line of loadgen
SCRIPT=$(basename "$0")

bench_setup() {
  OUT=bench/target
  mkdir -p "$OUT"
  gcc -O2 -Wall -o "$OUT/loadgen" bench/loadgen.c -lz  # zlib: Debian's zlib1g-dev
  JAVA_HOME=$(./fastws mvn -v | sed -n 's/^Java version: .*, runtime: //p' | head -n1)
  export BENCH_JAVA=$JAVA_HOME/bin/java
}

cpu_quota_cgroup() { # $1 = cgroup name, $2 = percent of one CPU
  local cg quota_us=$(($2 * 100))
  if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    cg=/sys/fs/cgroup/cpu/$1
    mkdir -p "$cg"
    echo 10000 >"$cg/cpu.cfs_period_us"
    echo "$quota_us" >"$cg/cpu.cfs_quota_us"
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control
    cg=/sys/fs/cgroup/$1
    mkdir -p "$cg"
    echo "$quota_us 10000" >"$cg/cpu.max"
  else
    echo "$SCRIPT: a CPU quota needs a writable cgroup cpu controller (run as root)" >&2
    return 1
  fi
  echo "$cg/cgroup.procs"
}

SERVER_PID=
CGROUP_PROCS=${CGROUP_PROCS:-}
start_server() { # $1 = name, then extra arguments for the server; sets SERVER_PID and PORT
  local log="$OUT/${SERVER_LOG_PREFIX:-}server-${1//\//_}.log" name=$1  # (NAME@/a/checkout: no slash in the file name)
  shift
  : >"$log" # empty it here: truncated only by the background job below, an old LISTENING line could be read first
  taskset -c "${SERVER_CPU:-0}" bench/server.sh "$name" --port 0 "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  # server.sh execs the server, so this PID is the server's (a JVM's threads all move with it)
  if [ -n "$CGROUP_PROCS" ]; then echo "$SERVER_PID" >"$CGROUP_PROCS"; fi
  PORT=
  poll_until "$SERVER_PID" listening "$log" && return 0
  echo "$SCRIPT: server $name did not start; its log:" >&2
  cat "$log" >&2
  return 1
}
listening() { PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$1" | head -n1); [ -n "$PORT" ]; }

# poll_until PID CMD [ARGS...]: runs CMD every 0.1 s until it succeeds (0) or process PID has exited or 300 s have
# passed (1)
poll_until() {
  local pid=$1
  shift
  for _ in $(seq 1 3000); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

machine() {
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu: $(nproc) x $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
  echo "kernel: $(uname -r)"
  echo "java: $("$BENCH_JAVA" -version 2>&1 | head -n1)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# path_of NAME: the path a server echoes at: the Spring Boot apps serve /echo (their / is a page), every other server
# any path (echo.sh and cost.sh pass it to loadgen -u).
path_of() { case "$1" in spring-*) echo /echo ;; *) echo / ;; esac; }
