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
  /** Customer order line sizes, oldest first (all of them, or the latest `HistoryOptions.orderSizes`). */
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
 * The moves that count as of `until`: each at its latest version by then (a corrected move replaces
 * its earlier version, legs included, as in the ledger).
 */
const LATEST_MOVES = (company: string) => `
  SELECT * FROM ledger_movements FINAL
  WHERE toDate(occurred_at) < {until:Date} ${company} AND (company, sku, warehouse, move_id, version) IN (
    SELECT company, sku, warehouse, move_id, max(version) FROM ledger_movements
    WHERE toDate(occurred_at) < {until:Date} ${company} GROUP BY company, sku, warehouse, move_id)`;

export interface HistoryOptions {
  companies?: readonly string[];
  /** Order line sizes kept per cell, the latest ones (default: all, as a backtest needs them). */
  orderSizes?: number;
}

/**
 * Reads the history of every cell that has a sellable stock location from the store's facts, up to
 * (excluding) `untilDay`. Moves count at their last version by then; sales and purchase lines at
 * their last version (so a cancellation or a vendor's reschedule is known from the line's first day
 * on: a backtest sees slightly more than was known then — a small optimism, noted where it is used).
 */
export async function queryInventoryHistory(store: Store, untilDay: number, options: HistoryOptions = {}): Promise<InventoryHistory> {
  const params: Record<string, unknown> = { until: dayIso(untilDay) };
  const company = options.companies ? 'AND has({companies:Array(String)}, company)' : '';
  if (options.companies) params.companies = options.companies;
  const sizesLimit = options.orderSizes === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(options.orderSizes))} BY company, sku, warehouse`;
  const [moves, demand, sizes, purchases, receipts] = await Promise.all([
    store.query<{ company: string; sku: string; warehouse: string; day: number; stock: number; in_quarantine: number; transit: number; delivered: number }>(
      `SELECT m.company AS company, m.sku AS sku, m.warehouse AS warehouse, toUInt32(toDate(m.occurred_at)) AS day,
              sumIf(m.qty, m.usage = 'internal' AND NOT l.quarantine) AS stock,
              sumIf(m.qty, m.usage = 'internal' AND l.quarantine) AS in_quarantine,
              sumIf(m.qty, m.usage = 'transit') AS transit,
              -sumIf(m.qty, m.usage = 'internal' AND m.counterpart_usage = 'customer') AS delivered
       FROM (${LATEST_MOVES(company)}) AS m
       LEFT JOIN (SELECT company, location, quarantine FROM locations FINAL) AS l ON m.company = l.company AND m.location = l.location
       GROUP BY company, sku, warehouse, day`,
      params,
    ),
    store.query<{ company: string; sku: string; warehouse: string; day: number; qty: number; open: number }>(
      `SELECT company, sku, warehouse, toUInt32(ordered_day) AS day, sum(qty_ordered) AS qty, sumIf(qty_ordered, state != 'cancelled') AS open
       FROM sales_line_outcomes FINAL
       WHERE line_known AND ordered_day < {until:Date} ${company}
       GROUP BY company, sku, warehouse, day`,
      params,
    ),
    store.query<{ company: string; sku: string; warehouse: string; day: number; qty: number }>(
      `SELECT company, sku, warehouse, toUInt32(ordered_day) AS day, qty_ordered AS qty
       FROM sales_line_outcomes FINAL
       WHERE line_known AND ordered_day < {until:Date} ${company}
       ORDER BY company, sku, warehouse, ordered_at DESC, line_id DESC ${sizesLimit}`,
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
      `SELECT company, purchase_line_id AS line_id, toUInt32(toDate(occurred_at)) AS day, sum(qty) AS qty
       FROM (${LATEST_MOVES(company)})
       WHERE purchase_line_id IS NOT NULL AND counterpart_usage = 'supplier'
       GROUP BY company, line_id, day`,
      params,
    ),
  ]);

  let firstDay = untilDay;
  for (const r of moves) firstDay = Math.min(firstDay, r.day);
  for (const r of demand) firstDay = Math.min(firstDay, r.day);
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
  for (const r of demand) {
    const c = cell(r.company, r.sku, r.warehouse);
    const i = r.day - firstDay;
    c.demand[i]! += r.qty;
    c.openDemandDelta[i]! += r.open;
  }
  // Newest first from the query (for LIMIT BY); the cells keep them oldest first.
  for (let i = sizes.length - 1; i >= 0; i--) {
    const r = sizes[i]!;
    cell(r.company, r.sku, r.warehouse).orders.push({ day: r.day, qty: r.qty });
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
  const key = (c: CellHistory) => [c.company, c.sku, c.warehouse];
  return { firstDay, days, cells: [...cells.values()].sort((a, b) => compareKeys(key(a), key(b))) };
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
