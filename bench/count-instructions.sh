#!/usr/bin/env bash
# bench/count-instructions.sh - instructions per market event and per order,
# per thread, counted by callgrind: a figure that does not move with the
# machine's load (wall-clock runs here vary by up to 2x within minutes).
#
#   bench/count-instructions.sh [BINARY]
#
# Makes bench/out/synth25m.lob (25 synthetic minutes, about 2 M events) once,
# then runs the benchmark's config on it twice under callgrind: as specified
# (the quoter trades) and with strategy.max_position=0 (no orders: the event
# path alone). Prints each thread's instructions, per market event from the
# run without orders, and per order (the difference between the two runs on
# the engine thread, over the orders sent; the writer's whole count over the
# orders). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/lobsim}
[ "$BIN" = build/lobsim ] && make -s all >/dev/null
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
OUT=bench/out
lob=$OUT/synth25m.lob
if [ ! -f "$lob" ]; then
  rm -rf "$OUT/synth25m"
  "$BIN" data synth --seconds 1500 --seed 1 -o "$OUT/synth25m" >/dev/null
  d=$OUT/synth25m
  "$BIN" data import --exchange binance-futures --symbol BTCUSDT \
    --book "$(ls "$d"/*incremental_book_L2*.csv.gz)" --trades "$(ls "$d"/*_trades_*.csv.gz)" \
    --ticker "$(ls "$d"/*_derivative_ticker_*.csv.gz)" -o "$lob" >/dev/null
fi
cfg=$OUT/count.ini
sed -e "s#^data = .*#data = $(pwd)/$lob#" -e "s#^output = .*#output = $(pwd)/$OUT/countruns#" \
  configs/bench-quoter-synth.ini >"$cfg"
run() { # TAG [--set ...]: callgrind per thread; prints "engine decoder writer events orders"
  local tag=$1; shift
  rm -rf "$OUT/countruns" "$OUT/cg.$tag"*
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/cg.$tag" \
    "$BIN" backtest "$cfg" --store none --no-report --quiet "$@" >/dev/null 2>"$OUT/cg.$tag.log"
  local sum=$OUT/countruns/*/summary.json
  local ev ord
  ev=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' $sum | head -1)
  ord=$(sed -n 's/.*"orders": *\([0-9]*\).*/\1/p' $sum | head -1)
  # threads in start order: 1 the engine (main), 2 the decoder, 3 the writer
  local a b c
  a=$(sed -n 's/^summary: //p' "$OUT/cg.$tag-01"); b=$(sed -n 's/^summary: //p' "$OUT/cg.$tag-02")
  c=$(sed -n 's/^summary: //p' "$OUT/cg.$tag-03")
  rm -f "$OUT/cg.$tag"*
  echo "$a $b $c $ev $ord"
}
read -r qe qd qw ev ord <<<"$(run quoter)"
read -r ne nd nw _ _ <<<"$(run none --set strategy.max_position=0)"
awk -v qe="$qe" -v qd="$qd" -v qw="$qw" -v ne="$ne" -v nd="$nd" -v nw="$nw" -v ev="$ev" -v ord="$ord" 'BEGIN {
  printf "events %d, orders %d\n", ev, ord
  printf "quoter:    engine %.1f M, decoder %.1f M, writer %.1f M instructions\n", qe/1e6, qd/1e6, qw/1e6
  printf "no orders: engine %.1f M, decoder %.1f M, writer %.1f M instructions\n", ne/1e6, nd/1e6, nw/1e6
  printf "per market event (no orders): engine %.0f, decoder %.0f\n", ne/ev, nd/ev
  printf "per order: engine %.0f, writer %.0f\n", (qe-ne)/ord, (qw-nw)/ord }'
