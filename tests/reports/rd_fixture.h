/* rd_fixture.h - a tiny run directory written by the report tests, with
 * numbers small enough to work out by hand (the expected values are derived
 * in test_metrics.c). t0 = 2024-08-09T00:00:00Z, a minute boundary. */
#ifndef LOB_RD_FIXTURE_H
#define LOB_RD_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "../support/testutil.h"

#define FX_T0 1723161600000000000LL
#define FX_S 1000000000LL

/* One market "perp" (BTCUSDT on binance-futures, quote USDT from the symbol),
 * seed 7, max_position 0.02, funding +0.5 USDT, one liquidation. */
static const char FX_SUMMARY[] =
    "{\"run_id\": \"tiny-1\", \"seed\": 7,\n"
    " \"config\": {\"risk.max_position\": \"0.02\"},\n"
    " \"inputs\": [{\"market\": \"perp\", \"exchange\": \"binance-futures\", \"symbol\": \"BTCUSDT\",\n"
    "              \"mark_price\": \"the mid\"}],\n"
    " \"venues\": [{\"venue\": \"binance-futures\", \"liquidations\": 1,\n"
    "   \"balances\": {\"USDT\": {\"start\": \"1000.00000000\"}}}],\n"
    " \"totals_by_asset\": {\"USDT\": {\"funding\": \"0.50000000\", \"liquidation_fees\": \"0.00000000\"}},\n"
    " \"liquidations\": 1}\n";

#define FX_ORDERS_HDR                                                                       \
  "local_ts,exch_ts,market,order_id,op,side,status,reason,price,qty,last_px,last_qty,cum_qty," \
  "leaves_qty,maker,fee,realized_pnl,position_after\n"
/* Seven orders submitted (qty 0.080 in all); acks of 1, 2, 4, 5; order 3
 * fills on arrival; 6 refused by the risk layer, 7 by the exchange; one
 * cancel of order 2 refused. */
static const char FX_ORDERS[] = FX_ORDERS_HDR
    "1723161601000000000,0,perp,1,new,buy,PENDING,NONE,60000.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.000\n"
    "1723161602005000000,1723161602000000000,perp,1,new,buy,NEW,NONE,60000.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.000\n"
    "1723161602000000000,0,perp,2,new,buy,PENDING,NONE,60010.0,0.020,0.0,0.000,0.000,0.020,,0.00000000,0.00000000,0.000\n"
    "1723161605005000000,1723161605000000000,perp,2,new,buy,NEW,NONE,60010.0,0.020,0.0,0.000,0.000,0.020,,0.00000000,0.00000000,0.000\n"
    "1723161610005000000,1723161610000000000,perp,1,update,buy,FILLED,NONE,60000.0,0.010,60000.0,0.010,0.010,0.000,maker,0.12000000,0.00000000,0.010\n"
    "1723161620005000000,1723161620000000000,perp,2,update,buy,PARTIAL,NONE,60010.0,0.020,60010.0,0.010,0.010,0.010,maker,0.12000000,0.00000000,0.020\n"
    "1723161621000000000,1723161621000000000,perp,2,cancel,buy,NEW,UNKNOWN_ORDER,60010.0,0.020,0.0,0.000,0.010,0.010,,0.00000000,0.00000000,0.020\n"
    "1723161669000000000,0,perp,3,new,sell,PENDING,NONE,60100.0,0.015,0.0,0.000,0.000,0.015,,0.00000000,0.00000000,0.020\n"
    "1723161670005000000,1723161670000000000,perp,3,new,sell,FILLED,NONE,60100.0,0.015,60100.0,0.015,0.015,0.000,taker,0.18000000,1.45000000,0.005\n"
    "1723161699000000000,0,perp,4,new,sell,PENDING,NONE,59990.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.005\n"
    "1723161700005000000,1723161700000000000,perp,4,new,sell,NEW,NONE,59990.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.005\n"
    "1723161730005000000,1723161730000000000,perp,4,update,sell,FILLED,NONE,59990.0,0.010,59990.0,0.010,0.010,0.000,maker,0.12000000,-0.10000000,-0.005\n"
    "1723161799000000000,0,perp,5,new,buy,PENDING,NONE,59900.0,0.005,0.0,0.000,0.000,0.005,,0.00000000,0.00000000,-0.005\n"
    "1723161800005000000,1723161800000000000,perp,5,new,buy,NEW,NONE,59900.0,0.005,0.0,0.000,0.000,0.005,,0.00000000,0.00000000,-0.005\n"
    "1723161850005000000,1723161850000000000,perp,5,update,buy,FILLED,NONE,59900.0,0.005,59900.0,0.005,0.005,0.000,maker,0.06000000,0.45000000,0.000\n"
    "1723161860000000000,0,perp,6,new,buy,PENDING,NONE,59900.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.000\n"
    "1723161860000000000,0,perp,6,risk,buy,REJECTED,RISK_LIMIT,59900.0,0.010,0.0,0.000,0.000,0.000,,0.00000000,0.00000000,0.000\n"
    "1723161861000000000,0,perp,7,new,buy,PENDING,NONE,59900.0,0.010,0.0,0.000,0.000,0.010,,0.00000000,0.00000000,0.000\n"
    "1723161862005000000,1723161862000000000,perp,7,new,buy,REJECTED,INSUFFICIENT_BALANCE,59900.0,0.010,0.0,0.000,0.000,0.000,,0.00000000,0.00000000,0.000\n";

#define FX_FILLS_HDR                                                                      \
  "exch_ts,local_ts,market,order_id,side,price,qty,liquidity,fee,fee_asset,position_after," \
  "realized_pnl,mid\n"
/* Buys 0.010 @ 60000 (mid 60001) and 0.010 @ 60010 (mid 60012); sells
 * 0.015 @ 60100 (mid 60098, taker) and 0.010 @ 59990 (mid 59989); buys
 * 0.005 @ 59900 with no mid. */
static const char FX_FILLS[] = FX_FILLS_HDR
    "1723161610000000000,1723161610005000000,perp,1,buy,60000.0,0.010,maker,0.12000000,USDT,0.010,0.00000000,60001.00000000\n"
    "1723161620000000000,1723161620005000000,perp,2,buy,60010.0,0.010,maker,0.12000000,USDT,0.020,0.00000000,60012.00000000\n"
    "1723161670000000000,1723161670005000000,perp,3,sell,60100.0,0.015,taker,0.18000000,USDT,0.005,1.45000000,60098.00000000\n"
    "1723161730000000000,1723161730005000000,perp,4,sell,59990.0,0.010,maker,0.12000000,USDT,-0.005,-0.10000000,59989.00000000\n"
    "1723161850000000000,1723161850005000000,perp,5,buy,59900.0,0.005,maker,0.06000000,USDT,0.000,0.45000000,\n";

#define FX_EQUITY_HDR \
  "time,perp.position,perp.mark,perp.upnl,binance-futures.USDT,binance-futures.equity,equity\n"
/* Equity 1000, 1010, 990, 1000, 1020, 1015 at t0 + 0, 60, ... 300 s. */
static const char FX_EQUITY[] = FX_EQUITY_HDR
    "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
    "1723161660000000000,0.020,60050.5,0.00000000,1010.00000000,1010.00000000,1010.00000000\n"
    "1723161720000000000,0.005,60000.5,0.00000000,990.00000000,990.00000000,990.00000000\n"
    "1723161780000000000,-0.005,59950.5,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
    "1723161840000000000,-0.005,59900.5,0.00000000,1020.00000000,1020.00000000,1020.00000000\n"
    "1723161900000000000,0.000,59890.5,0.00000000,1015.00000000,1015.00000000,1015.00000000\n";

static const char FX_RISK[] =
    "local_ts,what,state,why\n"
    "1723161750000000000,daily_loss,REDUCE_ONLY,loss 120 > 100\n"
    "1723161890000000000,daily_loss,ACTIVE,new UTC day\n";

/* dir/name with text (tu_write), or removed when text is NULL. */
static void fx_put(const char *dir, const char *name, const char *text) {
  char path[1300];
  if (text) {
    tu_write(dir, name, text);
    return;
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  remove(path);
}

/* A fresh build/testtmp/NAME with the five files (NULL: the file is left
 * out); returns dir. */
static const char *fx_run(const char *name, const char *summary, const char *orders,
                          const char *fills, const char *equity, const char *risk, char *dir,
                          size_t cap) {
  tu_tmpdir(name, dir, cap);
  fx_put(dir, "summary.json", summary);
  fx_put(dir, "orders.csv", orders);
  fx_put(dir, "fills.csv", fills);
  fx_put(dir, "equity.csv", equity);
  fx_put(dir, "risk.csv", risk);
  return dir;
}

#endif
