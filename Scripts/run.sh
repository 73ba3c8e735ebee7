#!/usr/bin/env bash
# Install what is missing, build swiftcached in release mode and start it on port 11211.
# Extra arguments are passed to the server (memcached-style flags), e.g.
#   bash Scripts/run.sh -m 256 -t 4 -vv
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
dpkg -s libevent-dev >/dev/null 2>&1 || need+=(libevent-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
  echo "run.sh: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

echo "run.sh: swift build -c release"
swift build -c release

# Defaults like memcached's, but loopback only; a default is dropped when the same flag is given.
given() { local f; for f in "${@:2}"; do case "$f" in "$1"|"$1"?*) return 0;; esac; done; return 1; }
defaults=()
given -p "$@" || given --port "$@" || defaults+=(-p 11211)
given -U "$@" || given --udp-port "$@" || defaults+=(-U 0)
given -l "$@" || given --listen "$@" || given -s "$@" || given --unix-socket "$@" || defaults+=(-l 127.0.0.1)
# As memcached, the server refuses to run as root without -u; as root, stay root unless told otherwise.
[ "$(id -u)" -eq 0 ] && ! given -u "$@" && ! given --user "$@" && defaults+=(-u root)

echo "run.sh: starting .build/release/swiftcached ${defaults[*]} $*"
exec .build/release/swiftcached "${defaults[@]}" "$@"
