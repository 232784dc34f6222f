/**
 * Daily inventory truth (truth/daily_inventory.jsonl; see truth.ts), recorded by the simulation as it
 * goes, in the style of line-outcomes.ts: a few float64 columns of days × warehouses, allocated once,
 * so memory is ~40 bytes per day × warehouse whatever the number of events.
 *
 * Everything is bucketed by event time: the UTC day of a move's occurred_at or of a line's
 * ordered_at, never the day the simulation was processing nor the emission order (the stream emits
 * some events days late). On hand is kept as a per-day change and summed over the days at the end, so
 * the end-of-day quantity is by event time even if a move of day d were made while the simulation
 * processes another day. (It does not need to: the simulation's clock only moves forward and each
 * simulated day's windows end before midnight. An instant outside the run throws, because its day
 * would have no row.)
 *
 * Money is exact: every unit cost in the simulation is a whole number of cents (round2; checked
 * by `cents()`, which the simulation applies once per product), so values are kept as integer cents (exact in float64 up to 2^53) and written as cents / 100,
 * the double nearest to the exact decimal sum. No rounding to 6 decimals is needed.
 *
 * The simulation calls `stock()` and `shipment()` from `move()` (every done move) and `demand()` from
 * the one place that emits a sales_order_line event. `finish()` checks the run's end state against
 * the simulation's per-cell quantities. Nothing here touches the simulation's random numbers or its
 * events.
 */
import { DAY_MS } from './time.js';

/** One day × warehouse in simulation terms; money as integer cents. */
export interface DailyInventoryRecord {
  /** Day index from the run's start. */
  day: number;
  /** Warehouse index (the simulation's order, WH1 = 0). */
  wh: number;
  onHandQty: number;
  onHandCents: number;
  cogsCents: number;
  shippedQty: number;
  demandQty: number;
}

/** Unit cost in whole cents; throws if it is not a whole number of cents. */
export function cents(unitCost: number): number {
  const c = Math.round(unitCost * 100);
  if (c / 100 !== unitCost) throw new Error(`internal: unit cost ${unitCost} is not a whole number of cents`);
  return c;
}

export class DailyInventory {
  private readonly n: number;
  /** Net change of on-hand qty (internal locations) and of its value in cents, per day × warehouse. */
  private readonly qtyDelta: Float64Array;
  private readonly valueDelta: Float64Array;
  private readonly cogs: Float64Array;
  private readonly shipped: Float64Array;
  private readonly demanded: Float64Array;
  private finished = false;

  /**
   * `startMs` is UTC midnight of day 0; rows cover days 0 … days − 1 for warehouse indices
   * 0 … warehouses − 1.
   */
  constructor(
    private readonly startMs: number,
    private readonly days: number,
    private readonly warehouses: number,
  ) {
    this.n = days * warehouses;
    this.qtyDelta = new Float64Array(this.n);
    this.valueDelta = new Float64Array(this.n);
    this.cogs = new Float64Array(this.n);
    this.shipped = new Float64Array(this.n);
    this.demanded = new Float64Array(this.n);
  }

  /** The slot of an instant's UTC day at warehouse `wh`; throws outside the run. */
  private slot(ms: number, wh: number, what: string): number {
    const day = Math.floor((ms - this.startMs) / DAY_MS);
    if (!(day >= 0 && day < this.days)) throw new Error(`internal: ${what} at ${new Date(ms).toISOString()} is outside the run's ${this.days} day(s)`);
    if (!(wh >= 0 && wh < this.warehouses && (wh | 0) === wh)) throw new Error(`internal: ${what} at warehouse index ${wh}`);
    if (this.finished) throw new Error(`internal: ${what} recorded after finish()`);
    return day * this.warehouses + wh;
  }

  /**
   * Call for each side of a done move that is an internal location (quarantine included, transit
   * not) of warehouse `wh`: `qty` signed (+ into it, − out of it), `unitCents` the product's unit cost
   * (its master data event's) in whole cents, as `cents()` gives it.
   */
  stock(ms: number, wh: number, qty: number, unitCents: number): void {
    const i = this.slot(ms, wh, 'stock change');
    this.qtyDelta[i] = (this.qtyDelta[i] as number) + qty;
    this.valueDelta[i] = (this.valueDelta[i] as number) + qty * unitCents;
  }

  /**
   * Call for a done move to a customer location (`qty` > 0, `wh` the warehouse it leaves) or from one
   * (a return: `qty` < 0, `wh` the warehouse it enters), `unitCents` the unit cost on the move event in
   * whole cents, as `cents()` gives it.
   */
  shipment(ms: number, wh: number, qty: number, unitCents: number): void {
    const i = this.slot(ms, wh, 'shipment');
    this.shipped[i] = (this.shipped[i] as number) + qty;
    this.cogs[i] = (this.cogs[i] as number) + qty * unitCents;
  }

  /**
   * Call where a version of a sales order line is emitted: `qtyChange` its qty_ordered minus the
   * previous version's (all of it for version 1), `orderedMs` its ordered_at, `wh` its warehouse.
   */
  demand(orderedMs: number, wh: number, qtyChange: number): void {
    if (qtyChange === 0) return;
    const i = this.slot(orderedMs, wh, 'order line');
    this.demanded[i] = (this.demanded[i] as number) + qtyChange;
  }

  /**
   * End of the run: `onHandQty[w]` / `onHandCents[w]` are warehouse w's on-hand qty and value (cents)
   * from the simulation's own per-cell state; they must equal the sum of all recorded changes.
   */
  finish(onHandQty: number[], onHandCents: number[]): void {
    for (let w = 0; w < this.warehouses; w++) {
      let q = 0;
      let v = 0;
      for (let d = 0; d < this.days; d++) {
        q += this.qtyDelta[d * this.warehouses + w] as number;
        v += this.valueDelta[d * this.warehouses + w] as number;
      }
      if (q !== onHandQty[w] || v !== onHandCents[w]) {
        throw new Error(`internal: warehouse index ${w} ends with ${q} units / ${v} cents by the daily changes, ${onHandQty[w]} / ${onHandCents[w]} by the stock`);
      }
      if (!Number.isSafeInteger(v)) throw new Error(`internal: warehouse index ${w} value ${v} cents is beyond exact integers`);
    }
    this.finished = true;
  }

  /**
   * All day × warehouse records, by day, then warehouse in the given order (indices); on hand at the
   * end of each day. Valid after `finish()`.
   */
  *records(warehouseOrder: readonly number[]): Generator<DailyInventoryRecord> {
    if (!this.finished) throw new Error('internal: daily inventory read before finish()');
    const w = this.warehouses;
    const qty = new Float64Array(w);
    const value = new Float64Array(w);
    for (let day = 0; day < this.days; day++) {
      for (let wh = 0; wh < w; wh++) {
        qty[wh] = (qty[wh] as number) + (this.qtyDelta[day * w + wh] as number);
        value[wh] = (value[wh] as number) + (this.valueDelta[day * w + wh] as number);
      }
      for (const wh of warehouseOrder) {
        const i = day * w + wh;
        yield {
          day,
          wh,
          onHandQty: qty[wh] as number,
          onHandCents: value[wh] as number,
          cogsCents: this.cogs[i] as number,
          shippedQty: this.shipped[i] as number,
          demandQty: this.demanded[i] as number,
        };
      }
    }
  }
}
