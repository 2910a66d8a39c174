#!/usr/bin/env bash
# bench/run.sh - the foundation benchmarks, each measured beside its reference
# in the same run (see docs/benchmarks.md for the recorded results).
#
#   bench/run.sh [SECONDS] [FACTOR]
#
# SECONDS  market seconds of synthetic data for the 1x file (default 40000,
#          ~52 M rows at ~1,300 rows/s)
# FACTOR   length of the long file for the memory check, in multiples of 1x
#          (default 10; 0 skips it)
#
# 1. import speed: `lobsim data import` of the synthetic incremental_book_L2
#    .csv.gz, against `gzip -dc FILE >/dev/null` on the same file; best of 2 each.
# 2. replay speed: bench_replay (decode + book) against a bare decode-and-sum
#    scan of the same .lob file.
# 3. peak RSS of import and replay for the 1x and the FACTORx file.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-40000}
FACTOR=${2:-10}
B=build
OUT=bench/out
make -s all "$B"/bench/bench_replay >/dev/null
mkdir -p "$OUT"
T() { /usr/bin/time -f '%e %M' "$@" 2>"$OUT/time.txt" >/dev/null; tail -1 "$OUT/time.txt"; }

synth() { # DIR SECONDS
  [ -f "$1/done" ] && return 0
  rm -rf "$1"
  "$B"/lobsim data synth --seconds "$2" --seed 1 -o "$1" >/dev/null
  touch "$1/done"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date:    $(date -u +%Y-%m-%d)"

synth "$OUT/synth1x" "$SECS"
book=$(ls "$OUT"/synth1x/*incremental_book_L2*.csv.gz)
rows=$(( $(gzip -dc "$book" | wc -l) - 1 ))
echo "1x file: $book, $rows rows, $(du -m "$book" | cut -f1) MB"

best_g=999999; best_i=999999; imp_rss=0
for i in 1 2; do
  read -r g _ < <(T gzip -dc "$book")
  read -r t m < <(T "$B"/lobsim data import --exchange binance-futures --symbol BTCUSDT \
                      --book "$book" -o "$OUT/synth1x.lob")
  best_g=$(echo "$g $best_g" | awk '{print ($1<$2)?$1:$2}')
  best_i=$(echo "$t $best_i" | awk '{print ($1<$2)?$1:$2}')
  imp_rss=$m
done
echo "import: gzip -dc ${best_g}s ($(awk -v r=$rows -v t=$best_g 'BEGIN{printf "%.2f", r/t/1e6}') M rows/s)," \
     "lobsim import ${best_i}s ($(awk -v r=$rows -v t=$best_i 'BEGIN{printf "%.2f", r/t/1e6}') M rows/s)," \
     "ratio import/gzip $(awk -v a=$best_g -v b=$best_i 'BEGIN{printf "%.3f", a/b}'), peak RSS $((imp_rss/1024)) MB"

# The replay file holds the whole market: book + trades + ticker (>= 50 M events).
trades=$(ls "$OUT"/synth1x/*_trades_*.csv.gz)
ticker=$(ls "$OUT"/synth1x/*_derivative_ticker_*.csv.gz)
read -r t m < <(T "$B"/lobsim data import --exchange binance-futures --symbol BTCUSDT \
                    --book "$book" --trades "$trades" --ticker "$ticker" -o "$OUT/synth1x-all.lob")
echo "import of book+trades+ticker (1x): ${t}s, peak RSS $((m/1024)) MB"
echo "replay (1x, book+trades+ticker):"
/usr/bin/time -f 'process peak RSS %M KB' "$B"/bench/bench_replay "$OUT/synth1x-all.lob" 3

if [ "$FACTOR" -gt 0 ]; then
  synth "$OUT/synth${FACTOR}x" $((SECS * FACTOR))
  d="$OUT/synth${FACTOR}x"
  read -r t m < <(T "$B"/lobsim data import --exchange binance-futures --symbol BTCUSDT \
                      --book "$(ls "$d"/*incremental_book_L2*.csv.gz)" \
                      --trades "$(ls "$d"/*_trades_*.csv.gz)" \
                      --ticker "$(ls "$d"/*_derivative_ticker_*.csv.gz)" -o "$d.lob")
  echo "import (${FACTOR}x): ${t}s, peak RSS $((m/1024)) MB"
  echo "replay (${FACTOR}x):"
  /usr/bin/time -f 'process peak RSS %M KB' "$B"/bench/bench_replay "$d.lob" 1
fi
