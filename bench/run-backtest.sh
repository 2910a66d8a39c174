#!/usr/bin/env bash
# bench/run-backtest.sh - full backtest speed (quoter, queue and latency models
# on) against the plain replay of the same file (bench_replay), same run.
# Needs bench/out/synth1x-all.lob from bench/run.sh.
#
#   bench/run-backtest.sh [ROUNDS]
#
# Each round runs the replay, then the backtest, then the same backtest with
# strategy.max_position=0 (no orders: the event path alone), one after the
# other, and prints each one's figures and its ratio to the replay of the same
# round: the machines here are shared, and their speed moves by 2x within
# minutes, so only a ratio taken within a round means much.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
make -s all build/bench/bench_replay >/dev/null
f=bench/out/synth1x-all.lob
[ -f "$f" ] || { echo "run bench/run.sh first (it makes $f)" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); date: $(date -u +%F)"
bt() { # RUN_ID [--set ...]: prints "seconds peak_kb"
  local id=$1; shift
  /usr/bin/time -f '%e %M' -o bench/out/time.txt build/lobsim backtest configs/bench-quoter-synth.ini \
    --set run.run_id="$id" --store none --no-report --quiet "$@" >/dev/null
  local ev; ev=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' bench/out/runs/"$id"/summary.json | head -1)
  local ord; ord=$(sed -n 's/.*"orders": *\([0-9]*\).*/\1/p' bench/out/runs/"$id"/summary.json | head -1)
  rm -rf bench/out/runs/"$id"
  echo "$(cat bench/out/time.txt) $ev $ord"
}
for r in $(seq "$ROUNDS"); do
  rep=$(build/bench/bench_replay "$f" 1 | sed -n 's/^replay *\([0-9.]*\) s *\([0-9.]*\) M.*/\1 \2/p')
  read -r rs rm <<<"$rep"
  read -r qs qk qev qord <<<"$(bt bench-q$r)"
  read -r ns nk nev _ <<<"$(bt bench-n$r --set strategy.max_position=0)"
  awk -v r="$r" -v rs="$rs" -v rm="$rm" -v qs="$qs" -v qk="$qk" -v qev="$qev" -v qord="$qord" \
      -v ns="$ns" -v nk="$nk" -v nev="$nev" 'BEGIN {
    printf "round %d: replay %.2f s (%.1f M ev/s) | quoter %.2f s, %.1f M ev/s, ratio %.2f, %d orders, peak RSS %d MB" \
           " | no orders %.2f s, %.1f M ev/s, ratio %.2f, peak RSS %d MB\n",
           r, rs, rm, qs, qev / qs / 1e6, (qev / qs / 1e6) / rm, qord, qk / 1024,
           ns, nev / ns / 1e6, (nev / ns / 1e6) / rm, nk / 1024 }'
done
