/* bybit.h - reader for Bybit public historical data, as a src_t.
 *
 *   trades (derivatives)  public.bybit.com/trading: CSV(.gz) with
 *       timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,
 *       homeNotional,foreignNotional[,RPI]; timestamp is decimal seconds
 *       ("1767225600.6864"), read digit by digit to exact ns. side is the
 *       taker side. trdMatchID is a UUID, so aux = 0 (no numeric id).
 *   trades (spot)  public.bybit.com/spot: id,timestamp,price,volume,side[,rpi]
 *       with timestamp in ms (us accepted, by digit count); aux = id.
 *   orderbook  quote-saver ob500/ob200 files: JSON Lines (often in a zip),
 *       one v5 WebSocket message per line. snapshot -> EV_CLEAR then
 *       EV_SNAPSHOT levels (bids, then asks); delta -> EV_DEPTH; one line is
 *       one batch. "0" size deletes. Deltas before the first snapshot are
 *       skipped (stats.before_snapshot). data.u must rise by 1 from message
 *       to message; a new snapshot restarts the count (u = 1 after a service
 *       restart). A break is a bad row with reason LOB_EORDER; with
 *       skip_bad_rows it is counted and the message is still applied (its
 *       own content is valid; only the lost messages are not).
 *
 * Times. Bybit files have no local receive time. Trades: local_ts = exch_ts
 * (the engine adds a feed latency). Order book: exch_ts = cts, the matching
 * engine's time of the book state, when present (else ts); local_ts = ts,
 * the time Bybit's gateway produced the message, the latest time known
 * before a receiver could have it.
 *
 * Rows (lines) whose symbol differs from opts->spec->symbol are skipped and
 * counted in stats.other_symbol.
 */
#ifndef LOB_BYBIT_H
#define LOB_BYBIT_H

#include "../core/status.h"
#include "source.h"

/* Opens path. type_hint NULL detects the kind from the content (a line
 * starting with '{' is the order book, else a trades CSV); otherwise
 * "trades" or "orderbook" (case ignored). opts->spec is required. Sets
 * src_t.format to "bybit/trades", "bybit/spot_trades" or "bybit/obN" (N
 * from the first line's topic, "bybit/orderbook" when it has none).
 * LOB_EINVAL for a bad argument or hint, LOB_EIO when the file cannot be
 * read, LOB_EFORMAT when it is not a Bybit file of a known kind. */
lob_status_t bybit_open(const char *path, const char *type_hint, const src_opts_t *opts,
                        src_t **out, lob_err_t *err);

/* The order-book reader alone (bybit_open calls it for "orderbook"). */
lob_status_t bybit_ob_open(const char *path, const src_opts_t *opts, src_t **out, lob_err_t *err);

#endif
