#!/usr/bin/env bash
# memtier_benchmark with the binary protocol (-P memcache_binary) against swiftcached for DURATION
# seconds (default 60), 1:10 set:get, then checks that nothing went wrong: memtier reported no
# error (response parsing, dropped connections, reconnects), exited 0, and the server is still up.
# Optionally the same run against memcached 1.6 (COMPARE=1) for a side-by-side ops/s figure.
#
# Variables: DURATION [60] CLIENT_THREADS [2] CLIENT_CONNS [25] PIPELINE [1] DATA_SIZE [100]
#   RATIO [1:10] KEY_MAX [100000] SERVER_THREADS [2] COMPARE [0]
#   MEMTIER [memtier_benchmark on PATH, else /work/scratch/memtier/memtier_benchmark]
#   SWIFTCACHED_BINARY [.build/release/swiftcached]
# Exit status: 0 clean, 1 errors seen, 2 memtier or the server missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-60}
CLIENT_THREADS=${CLIENT_THREADS:-2}
CLIENT_CONNS=${CLIENT_CONNS:-25}
PIPELINE=${PIPELINE:-1}
DATA_SIZE=${DATA_SIZE:-100}
RATIO=${RATIO:-1:10}
KEY_MAX=${KEY_MAX:-100000}
SERVER_THREADS=${SERVER_THREADS:-2}
COMPARE=${COMPARE:-0}
MEMTIER=${MEMTIER:-$(command -v memtier_benchmark || echo /work/scratch/memtier/memtier_benchmark)}
SWIFTCACHED_BINARY=${SWIFTCACHED_BINARY:-$ROOT/.build/release/swiftcached}

[ -x "$MEMTIER" ] || { echo "bench-memtier-binary.sh: memtier_benchmark not found (set MEMTIER)" >&2; exit 2; }
if [ ! -x "$SWIFTCACHED_BINARY" ]; then
  swift build -c release >/dev/null
fi
OUT="$ROOT/bench-results/memtier-binary-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run NAME BINARY: one timed run against a fresh server; prints ops/s; returns 1 on any error.
run() {
  local name=$1 binary=$2 port pid rc=0 extra=()
  port=$(free_port)
  [ "$(basename "$binary")" = memcached ] && [ "$(id -u)" -eq 0 ] && extra=(-u root)
  "$binary" "${extra[@]}" -U 0 -l 127.0.0.1 -p "$port" -t "$SERVER_THREADS" -m 256 >"$OUT/$name-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
    sleep 0.1
  done
  "$MEMTIER" -s 127.0.0.1 -p "$port" -P memcache_binary -t "$CLIENT_THREADS" -c "$CLIENT_CONNS" \
    --pipeline="$PIPELINE" --ratio="$RATIO" -d "$DATA_SIZE" --key-maximum="$KEY_MAX" --key-pattern=R:R \
    --test-time="$DURATION" --hide-histogram --json-out-file="$OUT/$name.json" \
    >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
  local errors
  errors=$(grep -ciE "error|failed|dropped|reconnect" "$OUT/$name.err" || true)
  if ! kill -0 "$pid" 2>/dev/null; then echo "$name: server died (log: $OUT/$name-server.log)"; rc=1; fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local ops
  ops=$(awk '/^Totals/ {print $2}' "$OUT/$name.out")
  echo "$name: memtier exit $rc, $errors error lines, Totals ops/s ${ops:-?}"
  [ "$rc" -eq 0 ] && [ "$errors" -eq 0 ] && [ -n "$ops" ]
}

status=0
run swiftcached "$SWIFTCACHED_BINARY" || status=1
if [ "$COMPARE" = 1 ]; then run memcached "$(command -v memcached)" || true; fi
grep -E "^(Sets|Gets|Totals)" "$OUT/swiftcached.out" || true
echo "results: $OUT"
[ $status -eq 0 ] && echo "bench-memtier-binary.sh: no errors" || echo "bench-memtier-binary.sh: ERRORS (see $OUT/*.err)"
exit $status
