#!/usr/bin/env bash
# Second opinion to bench-memtier.sh with a different load tool: memcslap (Debian's
# libmemcached-tools, installed if missing). swiftcached vs memcached 1.6 with the same flags, in
# alternating rounds A B B A ...; each run starts a fresh server and runs memcslap's `set` test and
# its `get` test (each thread loads and then fetches its own keys), and reports ops/s from
# memcslap's "Time to <test> N keys by T threads: S seconds" lines, plus the median per-pair ratios.
#
# Variables: ROUNDS [6] CONCURRENCY [50] (memcslap threads = connections) EXECUTE [20000]
#   (operations per thread) SERVER_THREADS [2] MEMORY [64] SERVER_CONNS [1024] BINARY [0] (1: -b)
#   SWIFTCACHED_BINARY [.build/release/swiftcached] MEMCACHED_BINARY [memcached on PATH]
# Results go to bench-results/memcslap-<date>/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ROUNDS=${ROUNDS:-6}
CONCURRENCY=${CONCURRENCY:-50}
EXECUTE=${EXECUTE:-20000}
SERVER_THREADS=${SERVER_THREADS:-2}
MEMORY=${MEMORY:-64}
SERVER_CONNS=${SERVER_CONNS:-1024}
BINARY=${BINARY:-0}
SWIFTCACHED_BINARY=${SWIFTCACHED_BINARY:-$ROOT/.build/release/swiftcached}
MEMCACHED_BINARY=${MEMCACHED_BINARY:-$(command -v memcached || echo /usr/bin/memcached)}

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
need=()
command -v memcslap >/dev/null 2>&1 || need+=(libmemcached-tools)
[ -x "$MEMCACHED_BINARY" ] || need+=(memcached)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
  MEMCACHED_BINARY=$(command -v memcached)
fi
if [ ! -x "$SWIFTCACHED_BINARY" ]; then
  echo "bench-memcslap.sh: $SWIFTCACHED_BINARY missing; building (swift build -c release)"
  swift build -c release
fi

OUT="$ROOT/bench-results/memcslap-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
proto=(); [ "$BINARY" = 1 ] && proto=(--binary)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
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

start_server() { # binary port
  local bin=$1 port=$2 extra=()
  [ "$(basename "$bin")" = memcached ] && [ "$(id -u)" -eq 0 ] && extra=(-u root)
  "$bin" -p "$port" -l 127.0.0.1 -U 0 -t "$SERVER_THREADS" -m "$MEMORY" -c "$SERVER_CONNS" "${extra[@]}" \
    >"$OUT/server-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server $bin did not start on $port" >&2; return 1
}

{
  echo "swiftcached vs memcached, memcslap ($(memcslap --version 2>&1 | head -1))"
  echo "servers: -t $SERVER_THREADS -m $MEMORY -c $SERVER_CONNS (-U 0 -l 127.0.0.1)"
  echo "memcslap: --concurrency=$CONCURRENCY --execute-number=$EXECUTE ${proto[*]} --test=set, then --test=get"
  echo "swiftcached: $SWIFTCACHED_BINARY ($("$SWIFTCACHED_BINARY" -V 2>&1 | head -1))"
  echo "memcached:   $MEMCACHED_BINARY ($("$MEMCACHED_BINARY" -V 2>&1 | head -1))"
} | tee "$SUMMARY"

: >"$OUT/runs.txt"
idx=0
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order=(swiftcached memcached); else order=(memcached swiftcached); fi
  for label in "${order[@]}"; do
    idx=$((idx + 1))
    bin=$SWIFTCACHED_BINARY; [ "$label" = memcached ] && bin=$MEMCACHED_BINARY
    port=$(free_port)
    start_server "$bin" "$port"
    for t in set get; do
      log="$OUT/run-$idx-$label-$t.log"
      timeout 600 memcslap --servers="127.0.0.1:$port" "${proto[@]}" --concurrency="$CONCURRENCY" \
        --execute-number="$EXECUTE" --test="$t" >"$log" 2>&1 || { echo "memcslap failed, see $log" >&2; exit 1; }
      line=$(grep -E "^Time to $t +[0-9]+ keys by" "$log" || true)
      [ -n "$line" ] || { echo "no result line in $log" >&2; cat "$log" >&2; exit 1; }
      keys=$(awk '{print $4}' <<<"$line"); secs=$(awk '{print $(NF-1)}' <<<"$line")
      # memcslap stops loading at the first failed set and prints "Fatal error for key ..."
      errors=$(grep -c "Fatal error" "$log" || true)
      echo "$idx $label $t $keys $secs $errors" >>"$OUT/runs.txt"
      echo "round $r: $label $t: $keys ops in $secs s$([ "$errors" -gt 0 ] && echo "  ($errors client errors: $(grep -m1 'Fatal error' "$log"))")"
    done
    stop_server
  done
done

python3 - "$OUT/runs.txt" <<'PY' | tee -a "$SUMMARY"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for test in ("set", "get"):
    sw = [int(k) / float(s) for i, lab, t, k, s, e in rows if t == test and lab == "swiftcached"]
    mc = [int(k) / float(s) for i, lab, t, k, s, e in rows if t == test and lab == "memcached"]
    errs = {lab: sum(int(e) for i, l, t, k, s, e in rows if t == test and l == lab) for lab in ("swiftcached", "memcached")}
    if any(errs.values()):
        print("%s: WARNING runs with client errors (memcslap stopped its load early): %s" % (test, errs))
    print("%s: swiftcached ops/s %s" % (test, " ".join("%.0f" % x for x in sw)))
    print("%s: memcached   ops/s %s" % (test, " ".join("%.0f" % x for x in mc)))
    print("%s: medians swiftcached %.0f, memcached %.0f; median per-pair ratio swiftcached/memcached %.3f" % (
        test, statistics.median(sw), statistics.median(mc), statistics.median(a / b for a, b in zip(sw, mc))))
PY
echo "results: $OUT"
