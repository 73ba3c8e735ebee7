#!/usr/bin/env bash
# Fuzzes the binary-protocol, text/meta, UDP and authentication parsers with libFuzzer (Swift's
# -sanitize=fuzzer, plus AddressSanitizer). Usage:
#   Scripts/fuzz.sh [seconds per target, default 60] [targets, default "binary text udp auth"]
# CI runs it short (6 s per target, about 20 s of fuzzing after the build). Crashes are written to .build-fuzz/crashes/
# and make the script fail; replay one with an ordinary build:
#   FUZZ_TARGET=binary .build/debug/swiftcached-fuzz .build-fuzz/crashes/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-60}}
TARGETS=${2:-binary text udp auth}
SCRATCH=${FUZZ_BUILD_PATH:-.build-fuzz}

swift build -c release --scratch-path "$SCRATCH" --product swiftcached-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | tail -n 3
BIN="$SCRATCH/release/swiftcached-fuzz"
mkdir -p "$SCRATCH/crashes"

seed_corpus() { # target directory: a few valid requests so the fuzzer starts past the headers
  python3 - "$1" "$2" <<'PYEOF'
import os, struct, sys
target, d = sys.argv[1], sys.argv[2]
def req(op, key=b"", extras=b"", value=b"", cas=0):
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0, len(key)+len(extras)+len(value), 7, cas) + extras + key + value
binary = [req(1, b"k", struct.pack(">II", 1, 0), b"value") + req(0, b"k") + req(0x0c, b"k"),
          req(5, b"n", struct.pack(">QQI", 1, 5, 0)) + req(0x15, b"n", struct.pack(">QQI", 1, 5, 0)),
          req(0x0e, b"k", value=b"x") + req(4, b"k", cas=3) + req(0x1d, b"k", b"\0\0\0\1"),
          req(0x10, b"settings") + req(8, extras=b"\0\0\0\0") + req(0x0a) + req(0x07),
          req(0x20) + req(0x21, b"PLAIN", value=b"\0alice\0secret") + req(0x11, b"q", struct.pack(">II", 0, 0), b"v")]
text = [b"\x05\x03set a 5 0 3\r\nabc\r\nget a b\r\ngets a\r\nappend a 0 0 1\r\nx\r\nincr n 1\r\n",
        b"\x01\x02ms k 2 T10 F5 c\r\nhi\r\nmg k v c f t s k O1 q\r\nmn\r\nma k N0 J5 D3 MI\r\nmd k I q\r\nme k\r\n",
        b"\x09\x01mg Zm9v b v k\r\ncas a 0 0 1 9\r\nz\r\ntouch a 10\r\ngat 5 a\r\nflush_all 0\r\nstats\r\nverbosity 1\r\n"]
seeds = {
  "binary": binary,
  "text": text,
  "udp": [struct.pack(">HHHH", 1, 0, 1, 0) + b"set a 0 0 1\r\nx\r\nget a b\r\n", struct.pack(">HHHH", 2, 0, 1, 0) + binary[0]],
  "auth": [b"\x10\x03set k 0 0 12\r\nalice secret\r\nget k\r\n", b"\x01\x01get x\r\nset a b c 3\r\nabc\r\n",
           b"\0alice\0secret", b"alice:secret\nbob:x:y\r\n"],
}[target]
os.makedirs(d, exist_ok=True)
for i, s in enumerate(seeds):
    open(os.path.join(d, "seed%d" % i), "wb").write(s)
PYEOF
}

status=0
for target in $TARGETS; do
  corpus="$SCRATCH/corpus-$target"
  seed_corpus "$target" "$corpus"
  rm -f "$SCRATCH/crashes/$target-"*   # only this run's findings count
  echo "=== fuzz $target for ${SECONDS_PER_TARGET}s"
  if ! FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$BIN" "$corpus" -max_total_time="$SECONDS_PER_TARGET" \
      -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$SCRATCH/crashes/$target-" 2>&1 \
      | grep -E "^#[0-9]+ *(DONE|pulse)|ERROR|SUMMARY|Done [0-9]+ runs|crash-|timeout-|oom-" | tail -n 8; then
    :
  fi
  if ls "$SCRATCH/crashes/$target-"* >/dev/null 2>&1; then
    echo "fuzz $target: FOUND a failing input: $(ls "$SCRATCH/crashes/$target-"*)"
    status=1
  fi
done
exit $status
