/**
 * Stockout risk of one SKU at one warehouse: the probability that a customer order arrives while
 * nothing is available to promise within the next `horizon` days, with days of cover, the expected
 * stockout date and a suggested order quantity.
 *
 * A stockout is what the warehouse experiences: an order line confirmed while available (on hand at
 * the sellable locations minus what is promised) is ≤ 0. Because waiting orders are served first
 * when stock comes in, "available ≤ 0" is "net position ≤ 0", where net = on hand − open customer
 * demand (negative: a backlog). So the model follows the net position day by day:
 *   start of day: + arrivals (quarantine released, transfers in transit, purchase receipts);
 *   then customer orders one by one: an order that finds net ≤ 0 is a stockout; each takes its size.
 * Demand comes from the forecast: orders per day ~ Poisson(forecast mean ÷ mean order size), sizes
 * drawn from the cell's recent orders (demand arrives as orders of very different sizes; a smooth
 * daily quantity would hide the one big order that empties a shelf). Arrival dates of purchases are
 * the planned date plus a delay drawn from the vendor's past delays, given that the line has not
 * arrived yet. It is a Monte Carlo over `samples` futures with a seeded generator: the same inputs
 * give the same scores.
 */
import { Rng } from '../ingest/generator/random.js';

export interface InboundLine {
  /** Units still expected. */
  qty: number;
  /** Planned arrival, in days from the scoring day (0: today; negative: overdue). */
  dueIn: number;
  vendor: string;
}

/** A cell at the start of the scoring day (before its receipts and orders). */
export interface CellSituation {
  /** On hand at sellable locations − open customer demand. */
  net: number;
  /** In quarantine: released to stock by the next quality check (modelled as arriving today). */
  quarantined: number;
  /** On its way from another warehouse (transfers take 1–3 days: arriving today … in 2 days). */
  inTransit: number;
  inbound: InboundLine[];
  /** Sizes of recent customer order lines (the most recent last); empty: no demand seen. */
  recentOrderSizes: number[];
  /** How the cell is replenished, as seen in its purchase history; undefined: no purchase seen. */
  reorder?: ReorderPolicy;
}

/**
 * The replenishment the cell's buyers (or the ERP's reorder rules) practise, inferred from what they
 * did: a purchase is placed when the inventory position (net + everything inbound) falls to `point`,
 * for enough to bring it up to `upTo`, and arrives after one of the cell's past lead times. Without
 * it, a fast mover with a short lead time would look doomed: the next purchase is part of the future.
 */
export interface ReorderPolicy {
  point: number;
  upTo: number;
  /** Past days from order to first receipt (at least one). */
  leadTimes: number[];
}

export interface RiskOptions {
  /** Days ahead the risk covers (the warning horizon). */
  horizon: number;
  /** Futures simulated. */
  samples: number;
  /** Delays (actual − planned receipt day) seen per vendor, sorted ascending; `*`: all vendors (the fallback). */
  vendorDelays: ReadonlyMap<string, readonly number[]>;
  /** Days from order to receipt for a new purchase (the median lead time of the cell's vendor). */
  leadTimeDays: number;
  /** Days between purchase decisions: the suggested quantity covers lead time + this. */
  reviewDays: number;
  /** Probability of not running out before the next order can arrive, for the suggested quantity. */
  serviceLevel: number;
  seed: number;
}

export interface StockoutRisk {
  /** P(a stockout within `horizon` days). */
  risk: number;
  /** Days the available position lasts at the forecast mean (Infinity without demand). */
  daysOfCover: number;
  /** Days from the scoring day to the first stockout in half the futures (the median); null if that is beyond the forecast. */
  expectedStockoutIn: number | null;
  /** Units to order now so that, with what is inbound, demand until the order arrives and the next review is covered at `serviceLevel`. */
  suggestedOrderQty: number;
}

/** At most this many recent orders are resampled (recent sizes describe current demand best). */
export const ORDER_SIZE_MEMORY = 60;

/**
 * Scores one cell. `dailyMean[k]` is the forecast demand (units) of day k from the scoring day; the
 * simulation runs for its whole length, at least the horizon and lead time + review.
 */
export function stockoutRisk(situation: CellSituation, dailyMean: readonly number[], o: RiskOptions): StockoutRisk {
  const sizes = situation.recentOrderSizes.slice(-ORDER_SIZE_MEMORY).filter((s) => s > 0);
  const meanSize = sizes.length ? sizes.reduce((a, s) => a + s, 0) / sizes.length : 0;
  const days = Math.max(dailyMean.length, o.horizon, o.leadTimeDays + o.reviewDays);
  const mean = (k: number) => Math.max(0, dailyMean[Math.min(k, dailyMean.length - 1)] ?? 0);
  const coverWindow = o.leadTimeDays + o.reviewDays;
  const rng = new Rng(o.seed);
  const firstStockout: number[] = [];
  const demandOverCover: number[] = [];
  const arrivals = new Float64Array(days);
  let inHorizon = 0;
  const lines = situation.inbound.map((line) => arrivalOptions(line, o.vendorDelays));
  for (let s = 0; s < o.samples; s++) {
    arrivals.fill(0);
    arrivals[0]! += situation.quarantined;
    if (situation.inTransit > 0) arrivals[Math.min(days - 1, rng.int(0, 2))]! += situation.inTransit;
    for (const line of lines) {
      const day = line.from < line.delays.length ? line.dueIn + line.delays[line.from + Math.floor(rng.next() * (line.delays.length - line.from))]! : rng.int(0, 2);
      if (day < days) arrivals[day]! += line.qty;
    }
    let net = situation.net;
    let pending = situation.quarantined + situation.inTransit + situation.inbound.reduce((a, l) => a + l.qty, 0);
    let first = Infinity;
    let demand = 0;
    for (let k = 0; k < days; k++) {
      net += arrivals[k]!;
      pending -= arrivals[k]!;
      const orders = meanSize > 0 ? rng.poisson(mean(k) / meanSize) : 0;
      for (let n = 0; n < orders; n++) {
        if (net <= 0 && first === Infinity) first = k;
        const size = sizes[Math.floor(rng.next() * sizes.length)]!;
        net -= size;
        if (k < coverWindow) demand += size;
      }
      const policy = situation.reorder;
      if (policy && net + pending <= policy.point) {
        const qty = policy.upTo - (net + pending);
        const arrives = k + Math.max(1, policy.leadTimes[Math.floor(rng.next() * policy.leadTimes.length)]!);
        pending += qty;
        if (arrives < days) arrivals[arrives]! += qty;
      }
    }
    if (first < o.horizon) inHorizon++;
    firstStockout.push(first);
    demandOverCover.push(demand);
  }
  firstStockout.sort((a, b) => a - b);
  demandOverCover.sort((a, b) => a - b);
  const median = firstStockout[Math.floor(o.samples / 2)]!;
  const needed = demandOverCover[Math.min(o.samples - 1, Math.floor(o.serviceLevel * o.samples))]!;
  const inbound = situation.inbound.reduce((a, l) => a + l.qty, 0);
  const position = situation.net + situation.quarantined + situation.inTransit + inbound;
  const rate = averageOf(dailyMean);
  return {
    risk: inHorizon / o.samples,
    daysOfCover: rate > 0 ? Math.max(0, situation.net) / rate : Infinity,
    expectedStockoutIn: Number.isFinite(median) ? median : null,
    suggestedOrderQty: Math.max(0, Math.ceil(needed - position)),
  };
}

/**
 * The delays a line can still have: its vendor's past delays (sorted) from the first that puts the
 * arrival today or later (it has not arrived yet); with none left, it arrives within 0–2 days.
 */
function arrivalOptions(line: InboundLine, delays: ReadonlyMap<string, readonly number[]>): { qty: number; dueIn: number; delays: readonly number[]; from: number } {
  const seen = delays.get(line.vendor) ?? delays.get('*') ?? [];
  let lo = 0;
  let hi = seen.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (line.dueIn + seen[mid]! < 0) lo = mid + 1;
    else hi = mid;
  }
  return { qty: line.qty, dueIn: line.dueIn, delays: seen, from: lo };
}

function averageOf(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, x) => a + Math.max(0, x), 0) / xs.length : 0;
}
