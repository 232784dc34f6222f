import type { Store } from './store.js';

/**
 * What the stockout-risk model needs to know about one SKU at one warehouse, day by day (UTC days,
 * by event time): enough to rebuild its situation at the start of any day, so the same data serves
 * the live score (as of today) and the backtest (as of every past day).
 */
export interface CellHistory {
  company: string;
  sku: string;
  warehouse: string;
  /** Per day (index = day − `InventoryHistory.firstDay`): the change of on hand at the sellable (internal, not quarantine) locations. */
  stockDelta: Float64Array;
  /** Change of stock in quarantine locations (released to stock after a quality check, mostly the next day). */
  quarantineDelta: Float64Array;
  /** Change of stock in the warehouse's transit location (transfers on their way to it). */
  transitDelta: Float64Array;
  /** Units ordered by customers that day (cancelled lines included: they were demand). */
  demand: Float64Array;
  /** Change of open customer demand: ordered (lines not cancelled) − delivered. */
  openDemandDelta: Float64Array;
  /** Customer order line sizes in order of the day they were placed (for sampling order sizes). */
  orders: { day: number; qty: number }[];
  purchases: PurchaseHistory[];
}

/** A purchase order line of the cell and its receipts. */
export interface PurchaseHistory {
  vendor: string;
  qty: number;
  orderedDay: number;
  /** The planned day of the line's last version (reschedules announced by the vendor included). */
  plannedDay: number;
  /** Receipts from the vendor (into stock or quarantine), by day. */
  receipts: { day: number; qty: number }[];
}

export interface InventoryHistory {
  /** Days since 1970-01-01 (UTC) of index 0 of every per-day array. */
  firstDay: number;
  /** Length of the per-day arrays: days firstDay … firstDay + days − 1. */
  days: number;
  cells: CellHistory[];
}

/** Days since the epoch (UTC) of an epoch-ms instant. */
export function epochDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

export function dayIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Reads the history of every cell that has a sellable stock location from the store's facts, up to
 * (excluding) `untilDay`. Moves count at their last version; sales and purchase lines at theirs
 * (so a cancellation or a vendor's reschedule is known from the line's first day on: a backtest sees
 * slightly more than was known then — a small optimism, noted where it is used).
 */
export async function queryInventoryHistory(store: Store, untilDay: number, companies?: readonly string[]): Promise<InventoryHistory> {
  const params: Record<string, unknown> = { until: dayIso(untilDay) };
  const company = companies ? 'AND has({companies:Array(String)}, company)' : '';
  if (companies) params.companies = companies;
  const [moves, sales, purchases, receipts] = await Promise.all([
    store.query<{ company: string; sku: string; warehouse: string; day: number; stock: number; in_quarantine: number; transit: number; delivered: number }>(
      `SELECT company, sku, warehouse, toUInt32(toDate(at)) AS day,
              sumIf(q, u = 'internal' AND NOT l.quarantine) AS stock,
              sumIf(q, u = 'internal' AND l.quarantine) AS in_quarantine,
              sumIf(q, u = 'transit') AS transit,
              -sumIf(q, u = 'internal' AND cu = 'customer') AS delivered
       FROM (
         SELECT company, sku, warehouse, location, move_id,
                argMax(usage, version) AS u, argMax(counterpart_usage, version) AS cu,
                argMax(qty, version) AS q, argMax(occurred_at, version) AS at
         FROM ledger_movements FINAL
         WHERE toDate(occurred_at) < {until:Date} ${company}
         GROUP BY company, sku, warehouse, location, move_id
       ) AS m
       LEFT JOIN (SELECT company, location, quarantine FROM locations FINAL) AS l USING (company, location)
       GROUP BY company, sku, warehouse, day`,
      params,
    ),
    store.query<{ company: string; sku: string; warehouse: string; day: number; qty: number; cancelled: boolean }>(
      `SELECT company, sku, warehouse, toUInt32(ordered_day) AS day, qty_ordered AS qty, state = 'cancelled' AS cancelled
       FROM sales_line_outcomes FINAL
       WHERE line_known AND ordered_day < {until:Date} ${company}
       ORDER BY company, sku, warehouse, ordered_at, line_id`,
      params,
    ),
    store.query<{ company: string; sku: string; warehouse: string; line_id: string; vendor: string; qty: number; ordered: number; planned: number }>(
      `SELECT company, sku, warehouse, line_id, vendor, qty_ordered AS qty,
              toUInt32(ordered_day) AS ordered, toUInt32(ifNull(planned_day, ordered_day)) AS planned
       FROM purchase_line_outcomes FINAL
       WHERE line_known AND ordered_day < {until:Date} ${company}
       ORDER BY company, line_id`,
      params,
    ),
    store.query<{ company: string; line_id: string; day: number; qty: number }>(
      `SELECT company, pl AS line_id, toUInt32(toDate(at)) AS day, sum(q) AS qty
       FROM (
         SELECT company, location, move_id, argMax(purchase_line_id, version) AS pl,
                argMax(counterpart_usage, version) AS cu, argMax(qty, version) AS q,
                argMax(occurred_at, version) AS at
         FROM ledger_movements FINAL
         WHERE purchase_line_id IS NOT NULL AND toDate(occurred_at) < {until:Date} ${company}
         GROUP BY company, location, move_id
       )
       WHERE cu = 'supplier'
       GROUP BY company, line_id, day`,
      params,
    ),
  ]);

  let firstDay = untilDay;
  for (const r of moves) firstDay = Math.min(firstDay, r.day);
  for (const r of sales) firstDay = Math.min(firstDay, r.day);
  const days = untilDay - firstDay;
  const cells = new Map<string, CellHistory>();
  const cell = (company: string, sku: string, warehouse: string): CellHistory => {
    const key = `${company}\u0000${sku}@${warehouse}`;
    let c = cells.get(key);
    if (!c) {
      const zeros = () => new Float64Array(days);
      c = { company, sku, warehouse, stockDelta: zeros(), quarantineDelta: zeros(), transitDelta: zeros(), demand: zeros(), openDemandDelta: zeros(), orders: [], purchases: [] };
      cells.set(key, c);
    }
    return c;
  };
  for (const r of moves) {
    const c = cell(r.company, r.sku, r.warehouse);
    const i = r.day - firstDay;
    c.stockDelta[i]! += r.stock;
    c.quarantineDelta[i]! += r.in_quarantine;
    c.transitDelta[i]! += r.transit;
    c.openDemandDelta[i]! -= r.delivered;
  }
  for (const r of sales) {
    const c = cell(r.company, r.sku, r.warehouse);
    const i = r.day - firstDay;
    c.demand[i]! += r.qty;
    c.orders.push({ day: r.day, qty: r.qty });
    if (!r.cancelled) c.openDemandDelta[i]! += r.qty;
  }
  const receiptsOf = new Map<string, { day: number; qty: number }[]>();
  for (const r of receipts) {
    const key = `${r.company}\u0000${r.line_id}`;
    const list = receiptsOf.get(key) ?? [];
    list.push({ day: r.day, qty: r.qty });
    receiptsOf.set(key, list);
  }
  for (const r of purchases) {
    const list = (receiptsOf.get(`${r.company}\u0000${r.line_id}`) ?? []).sort((a, b) => a.day - b.day);
    cell(r.company, r.sku, r.warehouse).purchases.push({ vendor: r.vendor, qty: r.qty, orderedDay: r.ordered, plannedDay: r.planned, receipts: list });
  }
  return { firstDay, days, cells: [...cells.values()].sort((a, b) => (a.sku === b.sku ? (a.warehouse < b.warehouse ? -1 : 1) : a.sku < b.sku ? -1 : 1)) };
}
