#!/usr/bin/env bash
# The caching patterns (cache-aside, write-through, write-behind, a session store, hot-miss herd
# protection) in front of a real PostgreSQL, on a discovered 3-node Swiftcached cluster, measured
# (docs/patterns.md).
#
#   bash Scripts/patterns.sh          full run: 60 s of load per pattern; rewrites the measured part
#                                     of docs/patterns.md and docs/images/patterns.png
#   bash Scripts/patterns.sh --quick  the test: every pattern briefly (under two minutes), assertions only
#
# Needs Debian's postgresql (server binaries found through pg_config or /usr/lib/postgresql/*/bin)
# and a release build (built if missing); Python packages go into .venv. Everything runs on
# loopback in a temporary directory that is removed, with every process it started, at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  "") MODE=full ;;
  --quick) MODE=quick ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
PY=.venv/bin/python
[ -x "$PY" ] || python3 -m venv .venv
"$PY" -c 'import psycopg, pymemcache, numpy, pytest' 2>/dev/null \
  || "$PY" -m pip install -q --disable-pip-version-check 'psycopg[binary]' pymemcache numpy pytest
[ "$MODE" = full ] && { "$PY" -c 'import matplotlib' 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check matplotlib; }
# The cluster harness takes SWIFTCACHED_BINARY (and swiftcached-config beside it), as the client tests do.
BIN=${SWIFTCACHED_BINARY:-.build/release/swiftcached}
if [ ! -x "$BIN" ] || [ ! -x "$(dirname "$BIN")/swiftcached-config" ]; then
  swift build -c release --scratch-path .build
fi
export SWIFTCACHED_BINARY
SWIFTCACHED_BINARY=$(realpath "$BIN")

WORK=$(mktemp -d)
chmod 711 "$WORK"     # PostgreSQL runs as an unprivileged user when we are root: it must get in
APP=""
cleanup() {
  [ -n "$APP" ] && kill "$APP" 2>/dev/null && wait "$APP" 2>/dev/null
  # Whatever a killed run left: the server of the throwaway cluster, then the directory.
  for pidfile in "$WORK"/postgres/pgdata/postmaster.pid; do
    [ -f "$pidfile" ] && kill -INT "$(head -n 1 "$pidfile")" 2>/dev/null
  done
  for _ in $(seq 1 50); do [ -f "$WORK/postgres/pgdata/postmaster.pid" ] || break; sleep 0.1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--workdir "$WORK")
if [ "$MODE" = quick ]; then
  args+=(--quick)
else
  args+=(--doc docs/patterns.md --plot docs/images/patterns.png)
fi
"$PY" Scripts/patterns/main.py "${args[@]}" &
APP=$!
rc=0
wait "$APP" || rc=$?
APP=""
exit $rc
