#!/usr/bin/env bash
# bench/run-backtest.sh - full backtest speed (quoter, queue and latency models
# on) against the plain replay of the same file (bench_replay), same run.
# Needs bench/out/synth1x-all.lob from bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all build/bench/bench_replay >/dev/null
f=bench/out/synth1x-all.lob
[ -f "$f" ] || { echo "run bench/run.sh first (it makes $f)" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); date: $(date -u +%F)"
build/bench/bench_replay "$f" 1
for i in 1 2; do
  /usr/bin/time -f '%e s, peak RSS %M KB' build/lobsim backtest configs/bench-quoter-synth.ini \
    --set run.run_id=bench-$i --store none --no-report 2>&1 | tail -1
  rm -rf bench/out/runs/bench-$i
done
