#!/usr/bin/env bash
# bench/cluster.sh — the cluster benchmark (issue 18): the fan-out of bench/fanout.sh across several nodes of our
# broadcast server joined by Redis Pub/Sub (./fastws broadcast-server --redis: fastwebsockets-redis), beside one node
# with the same clients, in one run; alternating order, repetitions, medians. See docs/benchmarks.md ("Cluster").
#
#   bench/cluster.sh        the table (bench/target/cluster-results.tsv, then Markdown from bench/cluster_table.py)
#
# Setups (SETUPS): single — one node, no Redis, all CLIENTS on it; single-redis — the same node with --redis (what the
# backplane costs a node: every message also goes to Redis and comes back, to be dropped as its own); cluster — NODES
# nodes on one Redis, the CLIENTS spread evenly (client i on node i modulo NODES), so most deliveries cross Redis.
# Every node, and Redis, runs on SERVER_CPU; the load generator (bench/loadgen.c -b) on LOAD_CPU: each setup has the
# same one core for its servers. Load (MODES): all — broadcast rounds, every client sends one message per round and
# waits for all CLIENTS (deliveries per second at saturation; the latency is then mostly the round's queueing);
# one — one sender per round (loadgen -O), one message in flight in the whole system: the latency of the path itself.
# Latency is from the sender's send to a client's receipt, p50 and p99; "remote" counts only deliveries whose sender
# is on another node than the receiver (publish on one node, receipt on another).
#
# Env: SETUPS ("single single-redis cluster")  MODES ("all one")  NODES (3)  CLIENTS (900: 3 x 300)  SIZE (20)
#      REPS (3)  WARMUP (3 s: three JVMs compile on one core)  DURATION (3 s)  SERVER_CPU (0)  LOAD_CPU (1)  MAX_BACKLOG (1048576)
#      BENCH_JVM_OPTS  JVM options for every node (see bench/server.sh)
# Needs Debian's redis-server (/usr/bin/redis-server); Redis listens on a free loopback port, with no persistence.
# Every setup starts afresh (Redis too) for every run. About 3 minutes with the defaults: run it under
# `flock /tmp/fastws-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUPS=${SETUPS:-"single single-redis cluster"}
MODES=${MODES:-"all one"}
NODES=${NODES:-3}
CLIENTS=${CLIENTS:-900}
SIZE=${SIZE:-20}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
MAX_BACKLOG=${MAX_BACKLOG:-1048576}
REDIS=/usr/bin/redis-server
if [ ! -x "$REDIS" ]; then
  echo "cluster.sh: $REDIS is missing: install it with \`sudo apt-get install -y redis-server\`" >&2
  exit 1
fi
. bench/lib.sh
bench_setup
SERVER_LOG_PREFIX=cluster-

NODE_PIDS=() NODE_PORTS=() REDIS_PID=
stop_all() {
  for pid in "${NODE_PIDS[@]}" $REDIS_PID; do
    SERVER_PID=$pid
    stop_server
  done
  NODE_PIDS=() NODE_PORTS=() REDIS_PID=
}
trap stop_all EXIT

# Redis on a free loopback port, pinned with the nodes; sets REDIS_PID and REDIS_PORT.
start_redis() {
  REDIS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  taskset -c "$SERVER_CPU" "$REDIS" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$OUT" >"$OUT/cluster-redis.log" 2>&1 &
  REDIS_PID=$!
  poll_until "$REDIS_PID" redis_up && return 0
  echo "cluster.sh: redis-server did not start; its log:" >&2
  cat "$OUT/cluster-redis.log" >&2
  return 1
}

redis_up() { (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; }

# Starts a setup: fills NODE_PIDS and NODE_PORTS.
start_setup() {
  local n=1 redis=()
  case "$1" in
    single) ;;
    single-redis) start_redis; redis=(--redis "redis://127.0.0.1:$REDIS_PORT") ;;
    cluster) start_redis; n=$NODES; redis=(--redis "redis://127.0.0.1:$REDIS_PORT") ;;
    *) echo "cluster.sh: unknown setup $1" >&2; exit 2 ;;
  esac
  for _ in $(seq 1 "$n"); do
    start_server ours-broadcast --max-backlog "$MAX_BACKLOG" "${redis[@]}"
    NODE_PIDS+=("$SERVER_PID") NODE_PORTS+=("$PORT")
    SERVER_PID=
  done
}

# Build once, before anything is timed (server.sh rebuilds when sources changed).
start_setup single
stop_all
export SKIP_BUILD=1

RES="$OUT/cluster-results.tsv"
{
  machine | sed 's/^/# /'
  echo "# WARMUP=$WARMUP DURATION=$DURATION REPS=$REPS SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU NODES=$NODES MAX_BACKLOG=$MAX_BACKLOG"
  echo "# redis: $("$REDIS" --version)"
  printf 'rep\tsetup\tnodes\tclients\tsize\tmode\tdeliveries_per_sec\trounds_per_sec\tloadgen_cpu_pct\tserver_cpu_pct'
  printf '\tdeliveries_per_server_cpu_sec\tserver_rss_max_kib\tlatency_p50_us\tlatency_p99_us\tremote_latency_p50_us'
  printf '\tremote_latency_p99_us\terrors\n'
} >"$RES"
read -r -a names <<<"$SETUPS"
for rep in $(seq 1 "$REPS"); do
  order=("${names[@]}")
  if [ $((rep % 2)) -eq 0 ]; then # even repetitions run the setups backwards
    order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  for s in "${order[@]}"; do
    for m in $MODES; do
      o=(); [ "$m" = one ] && o=(-O)
      if ! start_setup "$s"; then
        printf '%d\t%s\t0\t%d\t%d\t%s\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\tfail\n' "$rep" "$s" "$CLIENTS" "$SIZE" "$m" | tee -a "$RES"
        stop_all
        continue
      fi
      ports=$(IFS=,; echo "${NODE_PORTS[*]}")
      pids=$(IFS=,; echo "${NODE_PIDS[*]}${REDIS_PID:+,$REDIS_PID}")
      line=$(taskset -c "$LOAD_CPU" "$OUT/loadgen" -b -p "$ports" -P "$pids" -c "$CLIENTS" -s "$SIZE" "${o[@]}" \
        -w "$WARMUP" -d "$DURATION" 2>"$OUT/cluster-loadgen.err" || true)
      rate=$(field deliveries_per_sec "$line")
      errs=$(field errors "$line")
      if [ -z "$rate" ]; then rate=0; errs=fail; sed 's/^/  /' "$OUT/cluster-loadgen.err" | head -n 5 >&2; fi
      printf '%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$s" "${#NODE_PORTS[@]}" \
        "$CLIENTS" "$SIZE" "$m" "$rate" "$(field rounds_per_sec "$line")" "$(field loadgen_cpu_pct "$line")" \
        "$(field server_cpu_pct "$line")" "$(field deliveries_per_server_cpu_sec "$line")" \
        "$(field server_rss_max_kib "$line")" "$(field latency_p50_us "$line")" "$(field latency_p99_us "$line")" \
        "$(field remote_latency_p50_us "$line")" "$(field remote_latency_p99_us "$line")" "$errs" | tee -a "$RES"
      stop_all
    done
  done
done
python3 bench/cluster_table.py "$RES"
