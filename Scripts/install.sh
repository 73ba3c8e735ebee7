#!/usr/bin/env bash
# Installs Swiftcached as a systemd service (docs/operations.md):
#   $DESTDIR/usr/local/bin/swiftcached, swiftcached-config          (release build)
#   $DESTDIR/etc/systemd/system/swiftcached.service, swiftcached-config.service  (Packaging/systemd)
#   $DESTDIR/etc/swiftcached.conf, swiftcached-config.conf           (Packaging/etc; an existing one is kept)
# and a manifest of every file and directory it created, with each file's checksum:
#   $DESTDIR/usr/local/share/swiftcached/install-manifest
# `Scripts/install.sh --uninstall` removes exactly what the manifest lists: a file changed since (an
# edited configuration) is kept and named, directories only when left empty.
#
# Variables:
#   DESTDIR     root to install under (default: none, the real system; tests use a temporary one)
#   BIN_DIR     take the binaries from here instead of building (`swift build -c release`)
#   BUILD_PATH  SwiftPM scratch path for the release build (default .build)
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${DESTDIR:-}
BUILD_PATH=${BUILD_PATH:-.build}
MANIFEST_DIR="$DESTDIR/usr/local/share/swiftcached"
MANIFEST="$MANIFEST_DIR/install-manifest"

# On the real root, tell systemd about the units (nothing to tell under a DESTDIR).
reload_systemd() {
  if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
  fi
}

# mkdir -p that records each directory it creates, parents first.
make_dir() {
  local dir=$1 missing=()
  while [ ! -d "$dir" ]; do missing=("$dir" "${missing[@]}"); dir=$(dirname "$dir"); done
  for dir in "${missing[@]}"; do
    mkdir -m 0755 "$dir"
    echo "dir $dir" >>"$RECORD"
  done
}

# install_file SOURCE TARGET MODE [keep]: copies and records it; with `keep`, an existing target
# (an operator's configuration) is left alone and not recorded.
install_file() {
  local source=$1 target=$2 mode=$3 keep=${4:-}
  make_dir "$(dirname "$target")"
  if [ -n "$keep" ] && [ -e "$target" ]; then
    echo "kept existing $target"
    return
  fi
  install -m "$mode" "$source" "$target"
  echo "file $(sha256sum "$target" | cut -d' ' -f1) $target" >>"$RECORD"
  echo "installed $target"
}

do_install() {
  if [ -e "$MANIFEST" ]; then
    echo "already installed under '${DESTDIR:-/}' ($MANIFEST); run $0 --uninstall first" >&2
    exit 1
  fi
  local bin_dir=${BIN_DIR:-}
  if [ -z "$bin_dir" ]; then
    swift build -c release --scratch-path "$BUILD_PATH" --product swiftcached
    swift build -c release --scratch-path "$BUILD_PATH" --product swiftcached-config
    bin_dir="$BUILD_PATH/release"
  fi
  for binary in swiftcached swiftcached-config; do
    [ -x "$bin_dir/$binary" ] || { echo "no $bin_dir/$binary" >&2; exit 1; }
  done
  # The record is kept aside and moved into place last: an interrupted install leaves no manifest
  # claiming files that are not there (what it did install, it printed).
  RECORD=$(mktemp)
  install_file "$bin_dir/swiftcached" "$DESTDIR/usr/local/bin/swiftcached" 0755
  install_file "$bin_dir/swiftcached-config" "$DESTDIR/usr/local/bin/swiftcached-config" 0755
  install_file Packaging/systemd/swiftcached.service "$DESTDIR/etc/systemd/system/swiftcached.service" 0644
  install_file Packaging/systemd/swiftcached-config.service "$DESTDIR/etc/systemd/system/swiftcached-config.service" 0644
  install_file Packaging/etc/swiftcached.conf "$DESTDIR/etc/swiftcached.conf" 0644 keep
  install_file Packaging/etc/swiftcached-config.conf "$DESTDIR/etc/swiftcached-config.conf" 0644 keep
  make_dir "$MANIFEST_DIR"
  install -m 0644 "$RECORD" "$MANIFEST"
  rm -f "$RECORD"
  reload_systemd
  echo "done; start with: systemctl enable --now swiftcached"
}

do_uninstall() {
  [ -e "$MANIFEST" ] || { echo "nothing installed under '${DESTDIR:-/}' (no $MANIFEST)" >&2; exit 1; }
  local kind sum path
  # Files first, in the order installed; then directories, deepest (last created) first.
  while read -r kind sum path; do
    [ "$kind" = file ] || continue
    if [ ! -e "$path" ]; then
      echo "already gone: $path"
    elif [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sum" ]; then
      rm -f "$path" && echo "removed $path"
    else
      echo "kept $path: changed since it was installed"
    fi
  done <"$MANIFEST"
  local directories
  directories=$(grep '^dir ' "$MANIFEST" | tac || true)
  rm -f "$MANIFEST"
  while read -r kind path; do
    [ -n "$path" ] || continue
    if rmdir "$path" 2>/dev/null; then echo "removed $path/"; else echo "kept $path/: not empty"; fi
  done <<<"$directories"
  reload_systemd
}

case "${1:-}" in
  "") do_install ;;
  --uninstall) do_uninstall ;;
  *) echo "usage: $0 [--uninstall]   (DESTDIR=..., BIN_DIR=..., BUILD_PATH=...)" >&2; exit 64 ;;
esac
