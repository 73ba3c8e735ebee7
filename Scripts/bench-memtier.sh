#!/usr/bin/env bash
# Side-by-side benchmark: swiftcached vs memcached 1.6 with the same server flags, measured with
# memtier_benchmark (text protocol), in alternating rounds A B B A A B B A ... so that drift in the
# machine's load hits both servers alike. Each run gets a freshly started server, a prefill of every
# key, then a timed 1:10 set:get load. Prints per-run ops/s, p50/p99/p99.9 latency, hit ratio and
# ops per server-CPU-second, and the median of the per-pair ratios (swiftcached / memcached).
#
# Read shared/reference/benchmarking.md first: at pipeline 1 memtier itself is the bottleneck
# on 2 cores, so compare ops per server-CPU-second there, or use PIPELINE=16.
#
# Variables (defaults in brackets):
#   ROUNDS [6]            pairs of runs (each pair = one swiftcached run + one memcached run)
#   DURATION [20]         seconds of measured load per run
#   SERVER_THREADS [2]    -t for both servers      MEMORY [64]  -m for both servers
#   SERVER_CONNS [1024]   -c for both servers
#   CLIENT_THREADS [2] CLIENT_CONNS [25]   memtier -t and -c (50 connections in all)
#   PIPELINE [1]          memtier --pipeline
#   RATIO [1:10]          memtier --ratio (set:get)     DATA_SIZE [100]  value bytes
#   KEY_MIN [100000] KEY_MAX [199999]   key range (same number of digits: every key the same length)
#   PIN [0]               1: server on CPU 0, memtier on CPU 1 (taskset)
#   SWIFTCACHED_BINARY [.build/release/swiftcached]   MEMCACHED_BINARY [memcached on PATH]
# Results go to bench-results/memtier-<date>/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ROUNDS=${ROUNDS:-6}
DURATION=${DURATION:-20}
SERVER_THREADS=${SERVER_THREADS:-2}
MEMORY=${MEMORY:-64}
SERVER_CONNS=${SERVER_CONNS:-1024}
CLIENT_THREADS=${CLIENT_THREADS:-2}
CLIENT_CONNS=${CLIENT_CONNS:-25}
PIPELINE=${PIPELINE:-1}
RATIO=${RATIO:-1:10}
DATA_SIZE=${DATA_SIZE:-100}
KEY_MIN=${KEY_MIN:-100000}
KEY_MAX=${KEY_MAX:-199999}
PIN=${PIN:-0}
SWIFTCACHED_BINARY=${SWIFTCACHED_BINARY:-$ROOT/.build/release/swiftcached}
MEMCACHED_BINARY=${MEMCACHED_BINARY:-$(command -v memcached || echo /usr/bin/memcached)}

if ! command -v memtier_benchmark >/dev/null 2>&1; then
  cat >&2 <<'MSG'
bench-memtier.sh: memtier_benchmark is not on PATH.
  Build memtier_benchmark from its source outside this repository and put it on PATH, e.g. with
  Debian's build-essential autoconf automake libtool libpcre3-dev libevent-dev pkg-config
  zlib1g-dev libssl-dev: `autoreconf -ivf && ./configure && make`, then
  `export PATH=/path/to/memtier_benchmark-dir:$PATH`. (Scripts/bench-memcslap.sh needs only
  Debian's libmemcached-tools.)
MSG
  exit 2
fi
[ -x "$MEMCACHED_BINARY" ] || { echo "bench-memtier.sh: memcached not found (apt-get install memcached)" >&2; exit 2; }
if [ ! -x "$SWIFTCACHED_BINARY" ]; then
  echo "bench-memtier.sh: $SWIFTCACHED_BINARY missing; building (swift build -c release)"
  swift build -c release
fi

OUT="$ROOT/bench-results/memtier-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
machine_busy_pct() {  # % of all CPUs busy over 1 s (before a run: other people's load)
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT INT TERM

SRV_PIN=(); CLI_PIN=()
if [ "$PIN" = 1 ]; then SRV_PIN=(taskset -c 0); CLI_PIN=(taskset -c 1); fi

start_server() { # name port
  local bin=$1 port=$2 extra=()
  [ "$(basename "$bin")" = memcached ] && [ "$(id -u)" -eq 0 ] && extra=(-u root)
  "${SRV_PIN[@]}" "$bin" -p "$port" -l 127.0.0.1 -U 0 -t "$SERVER_THREADS" -m "$MEMORY" -c "$SERVER_CONNS" "${extra[@]}" \
    >"$OUT/server-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server $bin did not start on $port" >&2; return 1
}

common=(-s 127.0.0.1 -P memcache_text -d "$DATA_SIZE" --key-minimum="$KEY_MIN" --key-maximum="$KEY_MAX"
        --hide-histogram)

run_one() { # label binary run-index
  local label=$1 bin=$2 idx=$3 port busy t0 t1 json
  port=$(free_port)
  busy=$(machine_busy_pct)
  start_server "$bin" "$port"
  # prefill every key once (sets only), so gets hit
  "${CLI_PIN[@]}" memtier_benchmark "${common[@]}" -p "$port" -c 4 -t 1 --ratio=1:0 -n allkeys \
    --key-pattern=P:P >"$OUT/prefill-$idx-$label.log" 2>&1
  json="$OUT/run-$idx-$label.json"
  t0=$(cpu_ticks "$SERVER_PID")
  "${CLI_PIN[@]}" memtier_benchmark "${common[@]}" -p "$port" -c "$CLIENT_CONNS" -t "$CLIENT_THREADS" \
    --pipeline="$PIPELINE" --ratio="$RATIO" --key-pattern=R:R --test-time="$DURATION" \
    --json-out-file="$json" >"$OUT/run-$idx-$label.log" 2>&1
  t1=$(cpu_ticks "$SERVER_PID")
  stop_server
  echo "$idx $label $busy $(( t1 - t0 )) $json" >>"$OUT/runs.txt"
}

{
  echo "swiftcached vs memcached, memtier_benchmark $(memtier_benchmark --version 2>&1 | head -1)"
  echo "servers: -t $SERVER_THREADS -m $MEMORY -c $SERVER_CONNS (-U 0 -l 127.0.0.1)"
  echo "memtier: -P memcache_text -c $CLIENT_CONNS -t $CLIENT_THREADS --pipeline=$PIPELINE --ratio=$RATIO -d $DATA_SIZE" \
       "--key-minimum=$KEY_MIN --key-maximum=$KEY_MAX --key-pattern=R:R --test-time=$DURATION (prefill: --ratio=1:0 -n allkeys --key-pattern=P:P)"
  echo "pinning: $([ "$PIN" = 1 ] && echo 'server cpu 0, memtier cpu 1' || echo none)"
  echo "swiftcached: $SWIFTCACHED_BINARY ($("$SWIFTCACHED_BINARY" -V 2>&1 | head -1))"
  echo "memcached:   $MEMCACHED_BINARY ($("$MEMCACHED_BINARY" -V 2>&1 | head -1))"
  echo "nproc: $(nproc); $(uname -r)"
} | tee "$SUMMARY"

: >"$OUT/runs.txt"
idx=0
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order=(swiftcached memcached); else order=(memcached swiftcached); fi
  for label in "${order[@]}"; do
    idx=$((idx + 1))
    bin=$SWIFTCACHED_BINARY; [ "$label" = memcached ] && bin=$MEMCACHED_BINARY
    echo "round $r/$ROUNDS: $label ..."
    run_one "$label" "$bin" "$idx"
  done
done

python3 - "$OUT/runs.txt" "$(getconf CLK_TCK)" "$DURATION" <<'PY' | tee -a "$SUMMARY"
import json, statistics, sys
runs_file, hz, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = []
for line in open(runs_file):
    idx, label, busy, ticks, path = line.split()
    t = json.load(open(path))["ALL STATS"]["Totals"]
    pl = t["Percentile Latencies"]
    hits, misses = t.get("Hits/sec", 0.0), t.get("Misses/sec", 0.0)
    cpu = int(ticks) / hz
    rows.append(dict(idx=int(idx), label=label, busy=int(busy), ops=t["Ops/sec"], p50=pl["p50.00"],
                     p99=pl["p99.00"], p999=pl["p99.90"], hit=hits / (hits + misses) if hits + misses else 0.0,
                     cpu=cpu, per_cpu=t["Ops/sec"] * duration / cpu if cpu else float("nan")))
print("\n%-4s %-12s %6s %11s %8s %8s %8s %7s %8s %12s" % ("run", "server", "busy%", "ops/s", "p50 ms", "p99 ms",
      "p99.9 ms", "hit%", "cpu s", "ops/cpu-s"))
for r in rows:
    print("%-4d %-12s %6d %11.0f %8.3f %8.3f %8.3f %7.2f %8.2f %12.0f" % (r["idx"], r["label"], r["busy"], r["ops"],
          r["p50"], r["p99"], r["p999"], 100 * r["hit"], r["cpu"], r["per_cpu"]))
sw = [r for r in rows if r["label"] == "swiftcached"]
mc = [r for r in rows if r["label"] == "memcached"]
print("\nmedians over %d runs each:" % len(sw))
for k, name in [("ops", "ops/s"), ("p50", "p50 ms"), ("p99", "p99 ms"), ("p999", "p99.9 ms"), ("per_cpu", "ops per server-CPU-s")]:
    ratios = [a[k] / b[k] for a, b in zip(sw, mc) if b[k]]
    print("  %-22s swiftcached %10.3f   memcached %10.3f   median ratio swiftcached/memcached %.3f" % (
        name, statistics.median(r[k] for r in sw), statistics.median(r[k] for r in mc), statistics.median(ratios)))
print("(ratios are per pair of runs in the same round; noise floor on this machine: ~10% ops/s, ~25% p99)")
busy = [r["busy"] for r in rows]
if max(busy) > 15:
    print("WARNING: the machine was busy before some runs (max %d%% of all CPUs): results are noisy" % max(busy))
PY
echo "results: $OUT"
