/* binance.h - reader for Binance public-data CSV files (data.binance.vision
 * trades, aggTrades, bookTicker, and the historical order book "T_DEPTH"
 * files), as a src_t.
 *
 * Files may be plain, gzip or zip (data/input.h); a header row is detected
 * ("first field is not numeric") and checked against the type's columns.
 * Times are ms or us since the epoch, chosen per file from the first data
 * row's digit count (13 = ms, 16 = us); every later row must agree.
 *
 * Times: Binance files carry no local receive time, so local_ts = exch_ts
 * (the engine adds a feed latency), except bookTicker, which carries both
 * the matching-engine time (transaction_time -> exch_ts) and the time the
 * message was pushed (event_time -> local_ts), the same pair as Bybit's
 * cts/ts.
 *
 * Events:
 *   trades, aggTrades  EV_TRADE per row, batch end on each; aux = trade id
 *                      (agg id); is_buyer_maker=true -> the seller was the
 *                      aggressor -> EVF_ASK, false -> EVF_BID.
 *   bookTicker         two EV_BBO per row (bid, then ask with batch end).
 *   depth (T_DEPTH)    'snap' rows: EV_CLEAR then EV_SNAPSHOT per row;
 *                      'set' rows: EV_DEPTH. Rows of one message (same
 *                      last_update_id and update_type) are one batch.
 *                      'set' messages are emitted even before any snapshot
 *                      (snap and update files are separate products that
 *                      are merged downstream). The pu chain is checked: pu
 *                      must equal the previous set message's u; after a
 *                      snapshot at id L, messages with u < L are already in
 *                      it (skipped, counted in before_snapshot) and the
 *                      first later one needs pu <= L. A break is a bad row
 *                      with reason LOB_EORDER; with skip_bad_rows it is
 *                      counted and the message is still applied (its own
 *                      content is valid; only the lost messages are not).
 *                      Rows for another symbol are counted in other_symbol.
 * Klines, bookDepth, fundingRate and metrics files are refused with
 * LOB_EFORMAT (they are not trades or book updates).
 */
#ifndef LOB_BINANCE_H
#define LOB_BINANCE_H

#include "../core/status.h"
#include "source.h"

/* Opens path. type_hint NULL detects the type from the content; otherwise
 * one of "trades", "aggTrades", "bookTicker", "depth" (case ignored).
 * opts->spec is required (prices and sizes go onto its grid). Sets
 * src_t.format to "binance/trades", "binance/aggTrades",
 * "binance/bookTicker" or "binance/depth".
 * LOB_EINVAL for a bad argument or hint, LOB_EIO when the file cannot be
 * read, LOB_EFORMAT when it is not a file of the type (err says why). */
lob_status_t bnc_open(const char *path, const char *type_hint, const src_opts_t *opts, src_t **out,
                      lob_err_t *err);

#endif
