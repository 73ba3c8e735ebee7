#!/usr/bin/env bash
# A local Swiftcached cluster on loopback: one configuration endpoint (swiftcached-config) and N data
# nodes that register themselves with it (docs/cluster.md). Endpoint and nodes share a cluster
# secret generated on `up` in $CLUSTER_DIR/cluster.secret (mode 600): registrations carry a proof
# made with it, and anyone without it cannot join. With TLS=1 on `up`, everything speaks TLS: test
# certificates are made in $CLUSTER_DIR/pki (Tests/clients/tls_certificates.py), the endpoint
# serves TLS and probes over it, nodes run -Z and register over it (docs/cluster.md, TLS).
#
#   bash Scripts/cluster.sh up [N]     start the endpoint and N nodes (default 3)
#   bash Scripts/cluster.sh add        start one more node
#   bash Scripts/cluster.sh remove     stop the newest node (it deregisters: the list drops it at once)
#   bash Scripts/cluster.sh kill NAME  SIGKILL a node (the endpoint's probes notice within seconds)
#   bash Scripts/cluster.sh upgrade    rolling restart onto the binaries in BIN_DIR: one node at a time,
#                                      SIGUSR1 (graceful stop, saves the warm restart), start again,
#                                      wait until the endpoint lists it again, then the next node
#   bash Scripts/cluster.sh status     print the endpoint's `config get cluster`
#   bash Scripts/cluster.sh down       stop everything this script started
#
# Variables: BASE_PORT (default 22100: endpoint on BASE_PORT, node K on BASE_PORT+K),
#            BIN_DIR (default .build/release, built if missing), CLUSTER_DIR (default .cluster),
#            TLS (1 on `up`: a TLS cluster; later commands follow what `up` chose),
#            WARM (0 on `up`: nodes without -e, so `upgrade` restarts them cold; default 1: each node
#            keeps its items in MEMORY_DIR/nodeK.memory, a tmpfs by default, and restarts warm),
#            MEMORY_DIR (default /dev/shm/swiftcached-cluster-BASE_PORT, else CLUSTER_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_PORT=${BASE_PORT:-22100}
BIN_DIR=${BIN_DIR:-.build/release}
CLUSTER_DIR=${CLUSTER_DIR:-.cluster}
mkdir -p "$CLUSTER_DIR"
SECRET_FILE="$CLUSTER_DIR/cluster.secret"
PKI="$CLUSTER_DIR/pki"

# Whether `up` made a TLS cluster (its certificates are there).
tls_on() { [ -f "$PKI/ca.pem" ]; }

if [ -d /dev/shm ] && [ -w /dev/shm ]; then DEFAULT_MEMORY_DIR=/dev/shm/swiftcached-cluster-$BASE_PORT; else DEFAULT_MEMORY_DIR=$CLUSTER_DIR; fi
MEMORY_DIR=${MEMORY_DIR:-$DEFAULT_MEMORY_DIR}
WARM_MARK="$CLUSTER_DIR/warm"

# Whether `up` gave the nodes memory files (-e): then a graceful stop keeps their items.
warm_on() { [ -f "$WARM_MARK" ]; }

node_memory_flags() {
  if warm_on; then echo "-e $MEMORY_DIR/node$1.memory"; fi
}

endpoint_tls_flags() {
  if tls_on; then echo "-Z --tls-cert $PKI/server.pem --tls-key $PKI/server.key --probe-tls --probe-ca-cert $PKI/ca.pem"; fi
}

node_tls_flags() {
  if tls_on; then echo "-Z -o ssl_chain_cert=$PKI/server.pem,ssl_key=$PKI/server.key" \
    "--cluster-endpoint-tls --cluster-ca-cert $PKI/ca.pem --cluster-client-cert $PKI/client.pem --cluster-client-key $PKI/client.key"; fi
}

# A fresh random secret (32 bytes, in hex), readable by this user only.
make_secret() {
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$SECRET_FILE")
}

ensure_built() {
  if [ ! -x "$BIN_DIR/swiftcached" ] || [ ! -x "$BIN_DIR/swiftcached-config" ]; then
    echo "cluster.sh: building release binaries"
    swift build -c release --product swiftcached
    swift build -c release --product swiftcached-config
  fi
}

# Waits (at most 10 s) until 127.0.0.1:$1 accepts connections.
wait_listening() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "cluster.sh: nothing listening on port $1" >&2
  return 1
}

# Starts a process in the background, recording its pid in $CLUSTER_DIR/$1.pid.
launch() {
  local name=$1; shift
  "$@" >"$CLUSTER_DIR/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/$name.pid"
}

stop_pidfile() { # pidfile signal
  local pid
  pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$2" "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

# swiftcached, like memcached, refuses to run as root without -u.
as_root_user() { [ "$(id -u)" -eq 0 ] && echo "-u root"; }

node_numbers() { ls "$CLUSTER_DIR" 2>/dev/null | sed -n 's/^node\([0-9]*\)\.pid$/\1/p' | sort -n; }

start_node() {
  local k=$1 port=$((BASE_PORT + $1))
  launch "node$k" "$BIN_DIR/swiftcached" -l 127.0.0.1 -p "$port" -U 0 -m 64 -t 2 -v $(as_root_user) \
    --cluster-endpoint "127.0.0.1:$BASE_PORT" --advertise "node$k|127.0.0.1|$port" \
    --cluster-secret-file "$SECRET_FILE" $(node_tls_flags) $(node_memory_flags "$k")
  wait_listening "$port"
  echo "node$k on 127.0.0.1:$port"
}

# Waits (at most 15 s) until the endpoint lists node $1 again.
wait_registered() {
  local entry="node$1|127.0.0.1|$((BASE_PORT + $1))"
  for _ in $(seq 1 150); do
    status 2>/dev/null | grep -qF "$entry" && return 0
    sleep 0.1
  done
  echo "cluster.sh: node$1 did not register again" >&2
  return 1
}

# One node after the other: graceful stop (SIGUSR1: with -e the node saves its warm restart), start
# on the binary now in BIN_DIR, and wait until the endpoint lists it before touching the next, so at
# most one node is ever missing from the cluster.
upgrade() {
  for k in $(node_numbers); do
    stop_pidfile "$CLUSTER_DIR/node$k.pid" USR1
    start_node "$k"
    wait_registered "$k"
    grep -h '^\[restart\]' "$CLUSTER_DIR/node$k.log" | tail -n 1 || true
  done
}

status() {
  if tls_on; then
    # `quit` makes the endpoint close, which ends s_client.
    printf 'config get cluster\r\nquit\r\n' | timeout 5 openssl s_client -quiet -verify_return_error \
      -connect "127.0.0.1:$BASE_PORT" -CAfile "$PKI/ca.pem" 2>/dev/null | tr -d '\r'
    return
  fi
  exec 3<>"/dev/tcp/127.0.0.1/$BASE_PORT"
  printf 'config get cluster\r\n' >&3
  local line
  while IFS= read -r -t 2 line <&3; do
    printf '%s\n' "$line"
    [ "$line" = $'END\r' ] && break
  done
  exec 3<&-
}

case "${1:-}" in
  up)
    ensure_built
    [ -f "$CLUSTER_DIR/endpoint.pid" ] && { echo "cluster.sh: already up (run down first)"; exit 1; }
    make_secret
    rm -rf "$PKI"
    rm -f "$WARM_MARK"
    if [ "${WARM:-1}" = 1 ]; then mkdir -p "$MEMORY_DIR" && touch "$WARM_MARK"; fi
    if [ "${TLS:-0}" = 1 ]; then mkdir -p "$PKI" && python3 Tests/clients/tls_certificates.py "$PKI"; fi
    launch endpoint "$BIN_DIR/swiftcached-config" -l 127.0.0.1 -p "$BASE_PORT" -v \
      --state-file "$CLUSTER_DIR/endpoint.state" --cluster-secret-file "$SECRET_FILE" $(endpoint_tls_flags)
    wait_listening "$BASE_PORT"
    echo "endpoint on 127.0.0.1:$BASE_PORT"
    for k in $(seq 1 "${2:-3}"); do start_node "$k"; done
    sleep 1.5   # one heartbeat plus one probe round
    status
    ;;
  add)
    last=$(node_numbers | tail -n 1)
    start_node $(( ${last:-0} + 1 ))
    sleep 1.5
    status
    ;;
  remove)
    last=$(node_numbers | tail -n 1)
    [ -n "$last" ] || { echo "cluster.sh: no node to remove"; exit 1; }
    stop_pidfile "$CLUSTER_DIR/node$last.pid" TERM
    echo "node$last stopped"
    sleep 1.5
    status
    ;;
  kill)
    [ -f "$CLUSTER_DIR/${2:-}.pid" ] || { echo "cluster.sh: no node '${2:-}'"; exit 1; }
    stop_pidfile "$CLUSTER_DIR/$2.pid" KILL
    echo "$2 killed; the endpoint drops it after 3 failed probes (about 3-5 s)"
    ;;
  upgrade)
    ensure_built
    upgrade
    status
    ;;
  status)
    status
    ;;
  down)
    for k in $(node_numbers); do stop_pidfile "$CLUSTER_DIR/node$k.pid" TERM; done
    [ -f "$CLUSTER_DIR/endpoint.pid" ] && stop_pidfile "$CLUSTER_DIR/endpoint.pid" TERM
    # The memory files hold tmpfs pages: give them back (SIGTERM saved no warm restart anyway).
    if warm_on; then rm -f "$MEMORY_DIR"/node*.memory "$MEMORY_DIR"/node*.memory.meta*; rmdir "$MEMORY_DIR" 2>/dev/null || true; fi
    echo "cluster down (logs and state in $CLUSTER_DIR/)"
    ;;
  *)
    sed -n '2,26p' "$0"
    exit 2
    ;;
esac
