#!/usr/bin/env bash
# bench/echo.sh — the echo benchmark: every server side by side in one run, server and load generator pinned to
# different cores, alternating order, medians and ratios. Also the idle-connection memory test.
#
#   bench/echo.sh                 throughput table (bench/target/echo-results.tsv, then the Markdown table)
#   bench/echo.sh generators      the two load generators at once against each server: loadgen and ./fastws bench, half
#                                 the case's connections each, both on LOAD_CPU, over the same seconds; each gets half
#                                 the server's echoes when fastws bench reports what loadgen reports (a share the
#                                 machine's drift cannot move, as it moves runs one after the other); best with
#                                 SERVER_QUOTA, so the server is the limit (bench/target/echo-generators.tsv, then a table)
#   bench/echo.sh memory          RSS and heap of each server holding IDLE (10,000) idle connections, in the states
#                                 (MEM_STATES): connections that never sent a message (0), that exchanged one
#                                 IDLE_MSG-byte message each way first (1), and one LARGE_MSG-byte message (large:
#                                 buffers grown, then given back); "again" (not by default): as 1, then a second
#                                 message each after a full GC, as a connection in use. The connections come in two
#                                 halves, each from a load generator of its own, measured after each (full GC
#                                 first): per connection over the server's start (the old measure), and the slope
#                                 from N/2 to N (the marginal cost, without the one-time costs the first connections
#                                 bring); see docs/benchmarks.md
#
# Env: SERVERS  (default "ours-raw ours-collector ours-listener ours-raw-jdk-poller servlet-tomcat servlet-jetty netty jetty helidon
#               java-websocket c-floor"; c-floor is bench/floor.c, the ceiling: the least work per message a server can do;
#               a name ending in -deflate, e.g. "ours-raw-deflate ours-collector-deflate netty-deflate jetty-deflate",
#               runs the load generator with --deflate: compressed messages of JSON-like text, see bench/loadgen.c)
#      DEFLATE_OPTS  more loadgen options for the *-deflate servers, e.g. "-T" (context takeover both ways) or
#               "-T -W 11" (and client_max_window_bits=11 offered, as browsers offer it); default none: no takeover
#      CASES    (default "100x20 100x1024 100x1024t 100x16384 200x16384 500x16384", CONNSxBYTES, a trailing t:
#               TEXT messages (loadgen -x: JSON-like ASCII, so the server validates UTF-8), otherwise BINARY)
#      IDLE_MSG (20) bytes of the one message each way in the memory test's "after one message" rows (loadgen -e)
#      LARGE_MSG (65536) bytes of the message in the memory test's "large" rows   MEM_STATES ("0 1 large")
#      IDLE (10000) connections of the memory test, or a list ("10000 19000": 19,000 is about the most a server
#               holds under the 20,000 open-files limit)   MEM_WARMUP (0; K: K rounds of N connections opened,
#               used and closed before the baseline is read)
#      MEM_TRIM (1: each measure after a full GC and a trim of the C heap, jcmd System.trim_native_heap; 0: no trim)
#      MEM_JIT_QUIET (1: each measure also waits until the JIT compilers are idle, and their arenas freed; 0: no wait)
#      REPS (3)  WARMUP (3 s)  DURATION (5 s)  SERVER_CPU (0)  LOAD_CPU (1)  IDLE (10000)
#      BENCH_JVM_OPTS  JVM options for every server (see bench/server.sh)
#      SERVER_QUOTA  percent of one CPU the server may use (e.g. 50), enforced by a cgroup CPU quota (root; cgroup v1
#               cpu controller or v2 with cpu enabled). Unset: the whole core. With a quota the server is the
#               bottleneck and the load generator has room to spare, so the rates compare the servers' own costs.
#      LOADGEN_OPTS  more options for loadgen's throughput runs. -B: the generator polls without ever sleeping (it then
#               shows ~100% CPU). Over loopback a server's write wakes a sleeping generator from the server's own
#               system call (sock_def_readable and the interrupt it sends: 12-21% of the server's CPU at 100 x 20 B),
#               a cost a remote client would not put on the server and one that depends on how often the generator
#               sleeps; with -B that share is ~4% for every server (docs/benchmarks.md, eighth round).
#      GENERATORS  the load generators of the throughput table (default "loadgen", bench/loadgen.c); with
#               "loadgen fastws-bench" every case is measured by both, one after the other against the same server
#               (the order alternating with the repetitions), `./fastws bench` run as a user runs it, and a last table
#               sets what the two reported side by side (does ./fastws bench report the server's throughput?). The
#               tables between servers use loadgen's rows only. For a fastws-bench row the server's CPU is read
#               from /proc over seconds 1 to DURATION-1 of its measured window (its progress lines say when).
set -euo pipefail
cd "$(dirname "$0")/.."
GENERATORS=${GENERATORS:-loadgen}
SERVERS=${SERVERS:-"ours-raw ours-collector ours-listener ours-raw-jdk-poller servlet-tomcat servlet-jetty netty jetty helidon java-websocket c-floor"}
CASES=${CASES:-"100x20 100x1024 100x1024t 100x16384 200x16384 500x16384"}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-5}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
IDLE=${IDLE:-10000}
IDLE_MSG=${IDLE_MSG:-20}
LARGE_MSG=${LARGE_MSG:-65536}
MEM_STATES=${MEM_STATES:-"0 1 large"}
MEM_WARMUP=${MEM_WARMUP:-0}
. bench/lib.sh
bench_setup  # the load generator; BENCH_JAVA: every server runs on it (bench/server.sh), and jcmd comes from its JDK

# SERVER_QUOTA: a cgroup for the server with a CPU quota (period 10 ms, so throttling comes in short slices)
if [ -n "${SERVER_QUOTA:-}" ]; then
  CGROUP_PROCS=$(cpu_quota_cgroup fastwebsockets-bench "$SERVER_QUOTA")
fi


trap stop_server EXIT

# Build the servers once, before anything is timed (bench/server.sh builds when sources changed).
start_server ours-raw
stop_server
export SKIP_BUILD=1

if [ "${1:-}" = generators ]; then
  ./fastws bench --help >/dev/null  # built before anything is timed
  RES="$OUT/echo-generators.tsv"
  { machine; echo "WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU${SERVER_QUOTA:+ SERVER_QUOTA=$SERVER_QUOTA% of one CPU (cgroup)}"; } | sed 's/^/# /' >"$RES"
  printf 'rep\tserver\tconns\tsize\tkind\tloadgen_msgs_per_sec\tfastws_bench_msgs_per_sec\tserver_cpu_pct\terrors\n' >>"$RES"
  # ./fastws bench starts first (a JVM, its warm-up); once its measured window is a second old, loadgen runs a
  # warm-up second and DURATION measured seconds; fastws bench's per-second progress lines over the same seconds
  # (its 3rd to (DURATION+2)th) are set beside loadgen's rate. Its window lasts DURATION+4 s, so it covers loadgen's.
  log="$OUT/fastws-bench.err"
  for rep in $(seq 1 "$REPS"); do
    for s in $SERVERS; do
      start_server "$s"
      for c in $CASES; do
        n=${c%x*}; b=${c#*x}; o=(); z=(); kind=binary
        case "$b" in *t) b=${b%t}; kind=text; o+=(--text); z+=(-x) ;; esac
        case "$s" in *-deflate) o+=(--deflate); z+=(--deflate) ;; esac
        half=$((n / 2))
        : >"$log"
        taskset -c "$LOAD_CPU" ./fastws bench "ws://127.0.0.1:$PORT$(path_of "$s")" -c "$((n - half))" -s "$b" \
          --warmup "${WARMUP}s" -d "$((DURATION + 4))s" --json "${o[@]}" >"$OUT/fastws-bench.json" 2>"$log" &
        fb=$!
        until grep -q '^ *1s ' "$log"; do kill -0 "$fb" 2>/dev/null || break; sleep 0.02; done
        line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -P "$SERVER_PID" -c "$half" -s "$b" \
          -w 1 -d "$DURATION" "${z[@]}" 2>"$OUT/loadgen.err" || true)
        wait "$fb" || true
        python3 - "$rep" "$s" "$n" "$b" "$kind" "$DURATION" "$line" "$log" "$OUT/fastws-bench.json" <<'PY' | tee -a "$RES"
import json, re, sys
rep, s, n, b, kind, d, line, log, js = sys.argv[1:]
rates = [float(m.group(1).replace(",", "")) for m in (re.match(r"^ *\d+s +([\d,]+) msg/s", l) for l in open(log)) if m]
win = rates[2:2 + int(d)]
lg = re.search(r"msgs_per_sec=([\d.]+)", line)
errs = re.search(r"errors=(\d+)", line)
try:
    fb_errors = json.load(open(js))["errors"]
except (ValueError, KeyError):
    fb_errors = None
ok = lg and errs and errs.group(1) == "0" and fb_errors == 0 and len(win) == int(d)
scpu = re.search(r"server_cpu_pct=([\d.]+)", line)
print("\t".join([rep, s, n, b, kind, lg.group(1) if lg else "0", "%.1f" % (sum(win) / len(win)) if win else "0",
                 scpu.group(1) if scpu else "0", "0" if ok else "fail"]))
PY
      done
      stop_server
    done
  done
  python3 bench/echo_table.py generators-together "$RES"
  exit 0
fi

if [ "${1:-}" = memory ]; then
  RES="$OUT/echo-memory.tsv"
  { machine; echo "BENCH_JVM_OPTS=${BENCH_JVM_OPTS:-(server.sh default)} MEM_WARMUP=$MEM_WARMUP MEM_TRIM=${MEM_TRIM:-1} MEM_JIT_QUIET=${MEM_JIT_QUIET:-1}"; } | sed 's/^/# /' >"$RES"
  printf 'server\tidle_conns\tmessages\trss_before_mib\trss_after_mib\theap_after_gc_mib\theap_before_mib\trss_half_mib\theap_half_mib\n' >>"$RES"
  JAVA_BIN=$JAVA_HOME/bin
  # The live heap after a GC (KiB): the sum of "used" over the generations (G1 prints one line, Serial and Parallel
  # two); 0 for a server without a JVM (the C floor).
  live_heap_kib() {
    { "$JAVA_BIN/jcmd" "$SERVER_PID" GC.heap_info 2>/dev/null || true; } | awk '/total/ { for (i = 1; i < NF; i++)
      if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } } END { print s + 0 }'
  }
  rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$SERVER_PID"/status; }
  # settle: a full GC, then the C heap trimmed (glibc's malloc_trim): RSS then counts what the server holds, not the
  # freed arenas of the JIT compilers that glibc keeps (10-20 MiB, freed in whichever half the hot methods compiled;
  # a JVM does the same on its own with -XX:TrimNativeHeapInterval). Both steps for every JVM server alike; both fail
  # (harmlessly) for the C floor. MEM_TRIM=0 leaves the C heap alone (the measure before 2026-12-06 03:20 UTC).
  # MEM_JIT_QUIET=1 (the default) first waits, up to 30 s, until the JIT compilers have nothing compiling or queued,
  # then 6 s more: a compilation's arenas are C heap the JVM keeps in its chunk pool until a task cleans it (every
  # 5 s). Without the wait a snapshot taken while a cold server still compiles its hot paths counts those arenas
  # (0.3-0.4 KiB per connection in the margin of a 5,000-connection half; NMT's "Arena Chunk") as if the connections
  # held them. 0: the measure before 2026-12-08.
  jit_quiet() {
    local q
    for _ in $(seq 1 60); do
      q=$("$JAVA_BIN/jcmd" "$SERVER_PID" Compiler.queue 2>/dev/null) || return 0 # not a JVM (the C floor)
      awk '/^Current compiles:/ { c = 1; next } /compile queue:/ { c = 0 } c && NF { busy = 1 } /^Empty$/ { e++ }
        END { exit !(busy == 0 && e >= 2) }' <<<"$q" && { sleep 6; return 0; }
      sleep 0.5
    done
    echo "echo.sh: $SERVER_PID still compiling after 30 s; measured anyway" >&2
  }
  settle() {
    if [ "${MEM_JIT_QUIET:-1}" = 1 ]; then jit_quiet; fi
    "$JAVA_BIN/jcmd" "$SERVER_PID" GC.run >/dev/null 2>&1 || true
    if [ "${MEM_TRIM:-1}" = 1 ]; then "$JAVA_BIN/jcmd" "$SERVER_PID" System.trim_native_heap >/dev/null 2>&1 || true; fi
    sleep 1
  }
  # hold COUNT LOG: a load generator (in a process of its own) opens COUNT connections and holds them until its
  # standard input (fd 8 or 9 here) closes; returns once they are open (IDLE_READY) or it failed
  lgs=()
  hold() {
    local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
    taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -i "$1" "${e[@]}" -t 600 <"$fifo" >"$2" 2>&1 &
    lgs+=($!)
    eval "exec $3>\"\$fifo\""
    rm -f "$fifo"
    for _ in $(seq 1 1200); do grep -q IDLE_READY "$2" && return 0; kill -0 "${lgs[-1]}" 2>/dev/null || break; sleep 0.1; done
    grep -q IDLE_READY "$2"
  }
  # again FD LOG: after the connections a load generator holds have settled, with MEM_STATES "again" one more echo on
  # each (an 'e' on its standard input, FD here), then settled again; returns once it reported AGAIN_READY
  again() {
    sleep 3; settle; settle
    [ "$msgs" = again ] || return 0
    eval "printf e >&$1"
    for _ in $(seq 1 1200); do grep -q AGAIN_READY "$2" && break; kill -0 "${lgs[-1]}" 2>/dev/null || break; sleep 0.1; done
    grep -q AGAIN_READY "$2" || return 1
    sleep 3; settle; settle
  }
  for N in $IDLE; do
  half=$((N / 2))
  for s in $SERVERS; do
    # 0: connections that never sent a message; 1: each echoed one IDLE_MSG message first (loadgen -e); large: one
    # LARGE_MSG message (the read and write paths grew their buffers for it, then gave them back); again: as 1, then
    # after the full GC of the settle each connection echoes a second one (loadgen's 'e'): the state of a connection
    # in use, whose parked thread's stack chunk that GC promoted (on a cold server it then takes a second chunk)
    for msgs in $MEM_STATES; do
    e=()
    case "$msgs" in 1 | again) e=(-e -s "$IDLE_MSG") ;; large) e=(-e -s "$LARGE_MSG") ;; esac
    case "$s" in *-deflate) [ "$msgs" != 0 ] && e+=(--deflate) ;; esac
    start_server "$s"
    sleep 2
    # MEM_WARMUP rounds: N connections opened, used as measured, and closed before the baseline. The first round's
    # closes run paths the JIT had not seen (its compiled handler loops are thrown away and compiled again), so later
    # rounds (3 in the published warm runs) are what leave a blocking handler's frames compiled when the measured
    # threads first park.
    for ((round = 0; round < MEM_WARMUP; round++)); do
      taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -i "$half" "${e[@]}" -t 0 >/dev/null 2>&1 &
      w=$!
      taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -i "$((N - half))" "${e[@]}" -t 0 >/dev/null 2>&1 || true
      wait "$w" 2>/dev/null || true
      sleep 3
    done
    settle; settle
    heap0=$(live_heap_kib); rss0=$(rss_kib)
    # The first half, measured; then the second half (another process: each keeps under the open-files limit),
    # measured: the growth from the first to the second is the marginal (slope) cost of a connection, without the
    # one-time costs (JIT, eden pages, arenas) that the first connections bring
    lgs=()
    if hold "$half" "$OUT/idle-$s-a.log" 8 && again 8 "$OUT/idle-$s-a.log"; then
      rss1=$(rss_kib); heap1=$(live_heap_kib)
      # -all: the histogram without a GC of its own (the settle's full GC just left only live objects). A histogram
      # that runs its own full GC here left the second half's RSS 0.5 KiB per connection higher (young-generation
      # pages, 2026-12-08), for every JVM server: it was measuring itself.
      { "$JAVA_BIN/jcmd" "$SERVER_PID" GC.class_histogram -all 2>/dev/null || true; } >"$OUT/histogram-$s-$msgs-half.txt"
      if hold "$((N - half))" "$OUT/idle-$s-b.log" 9 && again 9 "$OUT/idle-$s-b.log"; then
        rss2=$(rss_kib); heap2=$(live_heap_kib)
        # Where the heap goes: the class histogram (StackChunk: the parked threads' stacks); the difference from the
        # half one is what the second half's connections keep (bench/echo_table.py histdiff A B COUNT)
        { "$JAVA_BIN/jcmd" "$SERVER_PID" GC.class_histogram -all 2>/dev/null || true; } >"$OUT/histogram-$s-$msgs.txt"
        printf '%s\t%d\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n' "$s" "$N" "$msgs" "$(echo "$rss0/1024" | bc -l)" \
          "$(echo "$rss2/1024" | bc -l)" "$(echo "${heap2:-0}/1024" | bc -l)" "$(echo "${heap0:-0}/1024" | bc -l)" \
          "$(echo "$rss1/1024" | bc -l)" "$(echo "${heap1:-0}/1024" | bc -l)" | tee -a "$RES"
      else
        echo "echo.sh: $s did not take $N idle connections:" >&2; cat "$OUT/idle-$s-b.log" >&2
        printf '%s\t%d\t%s\tfailed\tfailed\tfailed\tfailed\tfailed\tfailed\n' "$s" "$N" "$msgs" | tee -a "$RES"
      fi
    else
      echo "echo.sh: $s did not take $half idle connections:" >&2; cat "$OUT/idle-$s-a.log" >&2
      printf '%s\t%d\t%s\tfailed\tfailed\tfailed\tfailed\tfailed\tfailed\n' "$s" "$N" "$msgs" | tee -a "$RES"
    fi
    exec 8>&- 9>&-
    for p in "${lgs[@]}"; do wait "$p" 2>/dev/null || true; done
    stop_server
    done
  done
  done
  python3 bench/echo_table.py memory "$RES"
  exit 0
fi

RES="$OUT/echo-results.tsv"
machine | sed 's/^/# /' >"$RES"
echo "# WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU GENERATORS=$GENERATORS${SERVER_QUOTA:+ SERVER_QUOTA=$SERVER_QUOTA% of one CPU (cgroup)}" >>"$RES"
# loadgen_cpu_pct: the CPU of the load generator of the row (the `generator` column), whichever it is
printf 'rep\tserver\tconns\tsize\tmsgs_per_sec\tloadgen_cpu_pct\tserver_cpu_pct\tmsgs_per_server_cpu_sec\terrors\tkind\tgenerator\n' >>"$RES"
read -r -a gens <<<"$GENERATORS"
for g in "${gens[@]}"; do
  case "$g" in loadgen|fastws-bench) ;; *) echo "echo.sh: unknown generator '$g' (GENERATORS: loadgen, fastws-bench)" >&2; exit 2 ;; esac
done
if [[ " $GENERATORS " == *" fastws-bench "* ]]; then ./fastws bench --help >/dev/null; fi  # built before anything is timed

# One case measured by ./fastws bench, as a user runs it, against the running server: prints the fields of a row from
# msgs_per_sec to errors. Its JSON gives the rate, its own CPU and errors; the server's CPU is read here from /proc
# between the first and the (DURATION-1)th progress line of the measured window (warm-up lines begin "warm-up").
fastws_bench_case() { # $1 conns, $2 size, then more options (--text, --deflate)
  local n=$1 b=$2 log="$OUT/fastws-bench.err" js="$OUT/fastws-bench.json" last t1= c1= t2= c2= k
  shift 2
  last=$(python3 -c 'import sys; print(max(2, int(float(sys.argv[1])) - 1))' "$DURATION")
  : >"$log"; : >"$js"  # emptied here: the background job's own redirections may come after the first look below
  taskset -c "$LOAD_CPU" ./fastws bench "ws://127.0.0.1:$PORT$(path_of "$s")" -c "$n" -s "$b" --warmup "${WARMUP}s" \
    -d "${DURATION}s" --json "$@" >"$js" 2>"$log" &
  local g=$!
  while kill -0 "$g" 2>/dev/null; do
    k=$(grep -c '^ *[0-9][0-9]*s ' "$log" || true)
    if [ -z "$t1" ] && [ "$k" -ge 1 ]; then t1=$(date +%s.%N); c1=$(server_ticks); fi
    if [ -z "$t2" ] && [ "$k" -ge "$last" ]; then t2=$(date +%s.%N); c2=$(server_ticks); fi
    sleep 0.02
  done
  wait "$g" || true
  python3 -c 'import json,sys
try: d=json.load(open(sys.argv[1]))
except ValueError: d=None
t1,c1,t2,c2=(float(x) if x else None for x in sys.argv[2:6])
scpu=100.0*(c2-c1)/100/(t2-t1) if None not in (t1,c1,t2,c2) and t2>t1 else 0
if d: print("%.1f\t%.1f\t%.1f\t%.1f\t%d" % (d["messages_per_s"], d["cpu_percent"], scpu, d["messages_per_s"]/(scpu/100) if scpu else 0, d["errors"]))
else: print("0\t0\t0\t0\tfail")' "$js" "$t1" "$c1" "$t2" "$c2"
}
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0; }  # utime + stime, 1/100 s
read -r -a names <<<"$SERVERS"
for rep in $(seq 1 "$REPS"); do
  order=("${names[@]}")
  if [ $((rep % 2)) -eq 0 ]; then # alternate the order: even repetitions run the servers backwards
    order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  for s in "${order[@]}"; do
    start_server "$s"
    for c in $CASES; do
      n=${c%x*}; b=${c#*x}; kind=binary
      z=(); case "$s" in *-deflate) z=(--deflate ${DEFLATE_OPTS:-}) ;; esac
      case "$b" in *t) b=${b%t}; kind=text; z+=(-x) ;; esac
      gorder=("${gens[@]}")  # even repetitions run the generators backwards too
      if [ $((rep % 2)) -eq 0 ]; then gorder=(); for ((i = ${#gens[@]} - 1; i >= 0; i--)); do gorder+=("${gens[$i]}"); done; fi
      for g in "${gorder[@]}"; do
      if [ "$g" = fastws-bench ]; then
        o=(); [ "$kind" = text ] && o+=(--text); case "$s" in *-deflate) o+=(--deflate) ;; esac  # (DEFLATE_OPTS: loadgen's)
        printf '%d\t%s\t%d\t%d\t%s\t%s\t%s\n' "$rep" "$s" "$n" "$b" "$(fastws_bench_case "$n" "$b" "${o[@]}")" "$kind" \
          "$g" | tee -a "$RES"
        continue
      fi
      line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -p "$PORT" -u "$(path_of "$s")" -P "$SERVER_PID" -c "$n" -s "$b" -w "$WARMUP" \
        -d "$DURATION" "${z[@]}" ${LOADGEN_OPTS:-} 2>"$OUT/loadgen.err" || true)
      rate=$(sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' <<<"$line")
      cpu=$(sed -n 's/.*loadgen_cpu_pct=\([0-9.]*\).*/\1/p' <<<"$line")
      errs=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$line")
      scpu=$(sed -n 's/.*server_cpu_pct=\([0-9.]*\).*/\1/p' <<<"$line")
      eff=$(sed -n 's/.*msgs_per_server_cpu_sec=\([0-9.]*\).*/\1/p' <<<"$line")
      if [ -z "$rate" ]; then rate=0; cpu=0; errs=fail; sed 's/^/  /' "$OUT/loadgen.err" >&2; fi
      printf '%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$s" "$n" "$b" "$rate" "$cpu" "${scpu:-0}" \
        "${eff:-0}" "$errs" "$kind" "$g" | tee -a "$RES"
      done
    done
    stop_server
  done
done
python3 bench/echo_table.py throughput "$RES"

# Latency beside throughput: every server again, now at a fixed rate for each case, half the slowest server's median
# rate above (so every server has room), measured by ./fastws bench --rate, which counts each round trip from when
# its message was due (coordinated omission corrected). LATENCY=0 skips it.
if [ "${LATENCY:-1}" != 0 ]; then
  ./fastws bench --help >/dev/null  # builds the CLI before anything is timed
  CLI_CP="fastwebsockets-core/target/classes:fastwebsockets-cli/target/classes:$(cat fastwebsockets-cli/target/runtime-classpath.txt)"
  LRES="$OUT/echo-latency.tsv"
  machine | sed 's/^/# /' >"$LRES"
  printf 'server\tconns\tsize\trate\tmsgs_per_sec\tp50_ms\tp99_ms\terrors\n' >>"$LRES"
  for s in "${names[@]}"; do
    start_server "$s"
    for c in $CASES; do
      n=${c%x*}; b=${c#*x}
      rate=$(python3 -c 'import sys,statistics,collections
rates=collections.defaultdict(list); h=None
for l in open(sys.argv[1]):
    if l.startswith("#"): continue
    c=l.rstrip("\n").split("\t")
    if h is None: h=c; continue
    r=dict(zip(h,c))
    if r["conns"]==sys.argv[2] and r["size"]==sys.argv[3] and r["errors"]=="0" and r.get("generator","loadgen")=="loadgen": rates[r["server"]].append(float(r["msgs_per_sec"]))
print(int(min(statistics.median(v) for v in rates.values())/2) if rates else 0)' "$RES" "$n" "$b")
      [ "$rate" -gt 0 ] || continue
      z=(); case "$s" in *-deflate) z=(--deflate) ;; esac  # (DEFLATE_OPTS are loadgen's; the CLI takes none)
      j=$(taskset -c "$LOAD_CPU" "$BENCH_JAVA" -cp "$CLI_CP" io.fastwebsockets.cli.Main bench "ws://127.0.0.1:$PORT$(path_of "$s")" \
        -c "$n" -s "$b" --rate "$rate" --warmup "${WARMUP}s" -d "${DURATION}s" --json "${z[@]}" 2>/dev/null || true)
      python3 -c 'import json,sys
try: d=json.loads(sys.argv[1])
except ValueError: d=None
if d: print("%s\t%s\t%s\t%s\t%.1f\t%.3f\t%.3f\t%d" % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], d["messages_per_s"], d["latency_ms"]["p50"], d["latency_ms"]["p99"], d["errors"]))
else: print("%s\t%s\t%s\t%s\t0\t0\t0\tfail" % tuple(sys.argv[2:6]))' "$j" "$s" "$n" "$b" "$rate" | tee -a "$LRES"
    done
    stop_server
  done
  python3 bench/echo_table.py latency "$LRES"
fi
