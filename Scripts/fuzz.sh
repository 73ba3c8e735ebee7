#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer (Swift's -sanitize=fuzzer, plus AddressSanitizer); the
# targets are listed in Sources/SwiftcachedFuzz/FuzzTargets.swift, campaigns in docs/fuzzing.md. Usage:
#   Scripts/fuzz.sh [seconds per target, default 60] [targets, default all]
# FUZZ_FLAGS adds libFuzzer flags (e.g. FUZZ_FLAGS=-runs=10000000), after the defaults, so it can also
# override them (e.g. -timeout=120 for a long campaign on a machine other work may starve). Seeds and a dictionary per
# target come from Scripts/fuzz_seeds.py; the corpus grows in .build-fuzz/corpus-<target>, the
# last run's whole libFuzzer log is .build-fuzz/fuzz-<target>.log.
# CI runs it short (4 s per target). Crashes are written to .build-fuzz/crashes/
# and make the script fail; replay one with an ordinary build:
#   FUZZ_TARGET=binary .build/debug/swiftcached-fuzz .build-fuzz/crashes/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-60}}
TARGETS=${2:-binary text meta udp auth sasl cluster clusterresponse clusterfile configfile}
SCRATCH=${FUZZ_BUILD_PATH:-.build-fuzz}

swift build -c release --scratch-path "$SCRATCH" --product swiftcached-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | tail -n 3
BIN="$SCRATCH/release/swiftcached-fuzz"
mkdir -p "$SCRATCH/crashes"

status=0
for target in $TARGETS; do
  corpus="$SCRATCH/corpus-$target"
  python3 Scripts/fuzz_seeds.py "$target" "$corpus" "$SCRATCH/$target.dict"
  rm -f "$SCRATCH/crashes/$target-"*   # only this run's findings count
  echo "=== fuzz $target for ${SECONDS_PER_TARGET}s"
  if ! FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$BIN" "$corpus" -max_total_time="$SECONDS_PER_TARGET" \
      -dict="$SCRATCH/$target.dict" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$SCRATCH/crashes/$target-" ${FUZZ_FLAGS:-} 2>&1 \
      | tee "$SCRATCH/fuzz-$target.log" \
      | grep -E "^#[0-9]+[[:space:]]+(DONE|pulse)|ERROR|SUMMARY|Done [0-9]+ runs|crash-|timeout-|oom-" | tail -n 8; then
    :
  fi
  echo "fuzz $target: corpus $(ls "$corpus" | wc -l) files"
  if ls "$SCRATCH/crashes/$target-"* >/dev/null 2>&1; then
    echo "fuzz $target: FOUND a failing input: $(ls "$SCRATCH/crashes/$target-"*)"
    status=1
  fi
done
exit $status
