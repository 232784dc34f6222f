import type { CellHistory, InventoryHistory } from '../store/inventory-history-query.js';
import { ORDER_SIZE_MEMORY, type CellSituation, type ReorderPolicy } from './stockout-risk.js';

/** Running totals of a cell's daily changes: entry i is the total of days before index i. */
interface Totals {
  stock: Float64Array;
  open: Float64Array;
  quarantined: Float64Array;
  inTransit: Float64Array;
}

// Built once per cell: a backtest asks for the situation of every cell on every day.
const totalsOf = new WeakMap<CellHistory, Totals>();

function totals(cell: CellHistory): Totals {
  let t = totalsOf.get(cell);
  if (!t) {
    const running = (delta: Float64Array) => {
      const out = new Float64Array(delta.length + 1);
      for (let i = 0; i < delta.length; i++) out[i + 1] = out[i]! + delta[i]!;
      return out;
    };
    t = { stock: running(cell.stockDelta), open: running(cell.openDemandDelta), quarantined: running(cell.quarantineDelta), inTransit: running(cell.transitDelta) };
    totalsOf.set(cell, t);
  }
  return t;
}

/** The vendor key of the delay lists: vendors are per company. */
export function vendorKey(company: string, vendor: string): string {
  return `${company}\u0000${vendor}`;
}

/** A cell at the start of `day` (days since the epoch): only what happened on earlier days counts. */
export function situationAt(cell: CellHistory, firstDay: number, day: number, withPolicy = true): CellSituation {
  const i = Math.max(0, Math.min(day - firstDay, cell.stockDelta.length));
  const t = totals(cell);
  const inbound = [];
  for (const p of cell.purchases) {
    if (p.orderedDay >= day) continue;
    let received = 0;
    for (const r of p.receipts) if (r.day < day) received += r.qty;
    if (p.qty - received > 0) inbound.push({ qty: p.qty - received, dueIn: p.plannedDay - day, vendor: vendorKey(cell.company, p.vendor) });
  }
  // Orders are oldest first: the ones before `day` end where the first on or after it is.
  let lo = 0;
  let hi = cell.orders.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cell.orders[mid]!.day < day) lo = mid + 1;
    else hi = mid;
  }
  const recentOrderSizes = cell.orders.slice(Math.max(0, lo - ORDER_SIZE_MEMORY), lo).map((o) => o.qty);
  const situation: CellSituation = {
    net: t.stock[i]! - t.open[i]!,
    quarantined: Math.max(0, t.quarantined[i]!),
    inTransit: Math.max(0, t.inTransit[i]!),
    inbound,
    recentOrderSizes,
  };
  const reorder = withPolicy ? reorderPolicyAt(cell, firstDay, day) : undefined;
  if (reorder) situation.reorder = reorder;
  return situation;
}

/** The position (net + everything inbound) of a situation. */
function position(s: CellSituation): number {
  return s.net + s.quarantined + s.inTransit + s.inbound.reduce((a, l) => a + l.qty, 0);
}

/** Purchases looked at to infer the reorder policy: the recent ones describe current practice. */
const POLICY_MEMORY = 6;

/**
 * The reorder policy seen in the cell's last purchases before `day`: the position just before each
 * was placed (the end of its order day without it) is at most the reorder point, so their highest is
 * the point; that position plus the quantities placed that day is the order-up-to level (median).
 */
export function reorderPolicyAt(cell: CellHistory, firstDay: number, day: number): ReorderPolicy | undefined {
  const placed = new Map<number, number>();
  for (const p of cell.purchases) if (p.orderedDay < day - 1) placed.set(p.orderedDay, (placed.get(p.orderedDay) ?? 0) + p.qty);
  const days = [...placed.keys()].sort((a, b) => a - b).slice(-POLICY_MEMORY);
  if (days.length === 0) return undefined;
  let point = -Infinity;
  const upTo: number[] = [];
  for (const d of days) {
    const before = position(situationAt(cell, firstDay, d + 1, false)) - placed.get(d)!;
    point = Math.max(point, before);
    upTo.push(before + placed.get(d)!);
  }
  upTo.sort((a, b) => a - b);
  const leadTimes = cell.purchases.filter((p) => p.receipts[0] && p.receipts[0].day < day).map((p) => p.receipts[0]!.day - p.orderedDay);
  if (leadTimes.length === 0) return undefined;
  return { point, upTo: Math.max(point + 1, upTo[Math.floor(upTo.length / 2)]!), leadTimes };
}

/**
 * Delays (first receipt day − planned day) of the purchase lines received before `day`, per vendor
 * (see `vendorKey`), and of all vendors under `*`; each list sorted ascending.
 */
export function vendorDelaysAt(history: InventoryHistory, day: number): Map<string, number[]> {
  const delays = new Map<string, number[]>([['*', []]]);
  for (const cell of history.cells) {
    for (const p of cell.purchases) {
      const first = p.receipts[0];
      if (!first || first.day >= day) continue;
      const delay = first.day - p.plannedDay;
      const key = vendorKey(cell.company, p.vendor);
      let list = delays.get(key);
      if (!list) delays.set(key, (list = []));
      list.push(delay);
      delays.get('*')!.push(delay);
    }
  }
  for (const list of delays.values()) list.sort((a, b) => a - b);
  return delays;
}

/** Median days from order to first receipt of the cell's purchase lines received before `day` (fallback when none). */
export function leadTimeAt(cell: CellHistory, day: number, fallback: number): number {
  const leads = cell.purchases.filter((p) => p.receipts[0] && p.receipts[0].day < day).map((p) => p.receipts[0]!.day - p.orderedDay);
  if (leads.length === 0) return fallback;
  leads.sort((a, b) => a - b);
  return leads[Math.floor(leads.length / 2)]!;
}

/** Daily demand of the cell on the days before `day` (oldest first). */
export function demandBefore(cell: CellHistory, firstDay: number, day: number): number[] {
  return Array.from(cell.demand.subarray(0, Math.max(0, Math.min(day - firstDay, cell.demand.length))));
}
