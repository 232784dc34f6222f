/**
 * Anomaly score of one purchase order line, against the earlier lines of its SKU-warehouse:
 *
 * - price: ln(unit price) against the recent prices (median/MAD, robust z; the scale has a 10%
 *   floor, since a vendor's prices often repeat exactly); with fewer than 3 earlier lines, against
 *   the product's unit cost (the last seen on a move; scale 25%: purchase price and cost differ).
 *   A price flagged this way does not enter the history unless it agrees with the unit cost, so a
 *   run of wrong prices cannot become the typical one;
 * - quantity: ln(qty ordered) against the recent quantities (robust z, either way);
 * - duplicate: another line with the same vendor, quantity and price ordered within 24 h; the one
 *   ordered later is the duplicate. When the later one was seen first (events arrive out of order),
 *   it is scored again when the earlier one arrives (`Rescore`).
 *
 * Pure: no I/O; the processor keeps the state objects and feeds them.
 */
import { EvidenceBuilder, round, type Reason, type Scored } from './evidence.js';
import { robustPosition, RollingWindow, zEvidence } from './robust-stats.js';

export const PURCHASE_MODEL = 'robust-v1';

const HISTORY = 16;
const DUPLICATE_WINDOW_MS = 24 * 3_600_000;
/** Evidence of an exact duplicate: alone it scores 0.86. */
const DUPLICATE_EVIDENCE = 6;
const COST_SCALE = 0.25;

export interface PurchaseLine {
  lineId: string;
  vendor: string;
  qty: number;
  price: number;
  orderedMs: number;
}

/** A line as the cell remembers it: enough to score it again as a duplicate. */
export interface SeenLine extends PurchaseLine {
  /** Its reasons as JSON: kept for every recent line of every cell, read only to rescore a twin (one string is far cheaper to hold than the objects). */
  reasons: string;
  /** Whether its price entered the history. */
  learned: boolean;
  /** Whether it was already found to be a duplicate. */
  duplicate: boolean;
  /** Whatever the caller needs to write the line's row again. */
  context: unknown;
}

export interface PurchaseScore extends Scored {
  /** Whether the line's price may enter the history (see `PurchaseCell.add`). */
  learn: boolean;
  /** An earlier-seen line that this one shows to be a duplicate (it was ordered later), scored again. */
  rescore?: { line: SeenLine; scored: Scored };
}

/** What the scorer knows of one SKU-warehouse's purchase lines. */
export class PurchaseCell {
  readonly prices = new RollingWindow(HISTORY);
  readonly quantities = new RollingWindow(HISTORY);
  /** The last lines seen (a ring), for duplicates. */
  private readonly recent: SeenLine[] = [];
  // What a duplicate must match, side by side in the ring's order: the scan reads two small arrays
  // instead of chasing sixteen objects across the heap (cache misses made it the processor's cost).
  private readonly recentQty = new Float64Array(HISTORY);
  private readonly recentPrice = new Float64Array(HISTORY);
  private next = 0;
  /** Lines scored (each once, at its first version seen). */
  readonly scored = new Set<string>();

  /** Adds a scored line to the state (live, and when restoring from the stored scores). */
  add(line: SeenLine): void {
    this.scored.add(line.lineId);
    if (line.price > 0 && line.learned) this.prices.add(Math.log(line.price));
    if (line.qty > 0) this.quantities.add(Math.log(line.qty));
    if (this.recent.length < HISTORY) this.recent.push(line);
    else this.recent[this.next] = line;
    this.recentQty[this.next] = line.qty;
    this.recentPrice[this.next] = line.price;
    this.next = (this.next + 1) % HISTORY;
  }

  /** The other line of a duplicate pair, if any (the nearest in order time). */
  twinOf(line: PurchaseLine): SeenLine | undefined {
    let best: SeenLine | undefined;
    for (let i = 0; i < this.recent.length; i++) {
      if (this.recentQty[i] !== line.qty || this.recentPrice[i] !== line.price) continue;
      const o = this.recent[i]!;
      if (o.lineId === line.lineId || o.vendor !== line.vendor) continue;
      const gap = Math.abs(o.orderedMs - line.orderedMs);
      if (gap <= DUPLICATE_WINDOW_MS && (!best || gap < Math.abs(best.orderedMs - line.orderedMs))) best = o;
    }
    return best;
  }
}

/** `unitCost`: the product's unit cost (0 when unknown), the price reference while the line history is short. */
export function scorePurchase(cell: PurchaseCell, unitCost: number, line: PurchaseLine): PurchaseScore {
  const ev = new EvidenceBuilder();
  let learn = true;
  if (line.price > 0) {
    const x = Math.log(line.price);
    const history = robustPosition(cell.prices, x, 0.1, 3);
    const costZ = unitCost > 0 ? (x - Math.log(unitCost)) / COST_SCALE : NaN;
    if (history) {
      const e = zEvidence(history.z, 3, 8);
      ev.add(1, e, { feature: 'price', value: line.price, typical: round(Math.exp(history.median), 4), last: round(Math.exp(cell.prices.last()), 4), robust_z: round(history.z, 2), of: cell.prices.size });
      if (e > 0 && !(Math.abs(costZ) <= 3)) learn = false;
    } else if (unitCost > 0) {
      const e = zEvidence(costZ, 3, 8);
      ev.add(1, e, { feature: 'price', value: line.price, typical: unitCost, robust_z: round(costZ, 2), reference: 'unit cost', of: cell.prices.size });
      if (e > 0) learn = false;
    }
  }
  if (line.qty > 0) {
    const q = robustPosition(cell.quantities, Math.log(line.qty), 0.35, 5);
    if (q) ev.add(0.5, zEvidence(q.z, 3, 4), { feature: 'quantity', value: line.qty, typical: round(Math.exp(q.median), 3), robust_z: round(q.z, 2), of: cell.quantities.size });
  }
  const twin = cell.twinOf(line);
  let rescore: PurchaseScore['rescore'];
  if (twin && twin.orderedMs <= line.orderedMs) {
    ev.add(1, DUPLICATE_EVIDENCE, duplicateReason(line, twin));
  } else if (twin && !twin.duplicate) {
    const again = EvidenceBuilder.from(JSON.parse(twin.reasons) as Reason[]);
    again.add(1, DUPLICATE_EVIDENCE, duplicateReason(twin, line));
    rescore = { line: twin, scored: again.done() };
  }
  return { ...ev.done(), learn, ...(rescore ? { rescore } : {}) };
}

function duplicateReason(later: PurchaseLine, earlier: PurchaseLine): Omit<Reason, 'evidence'> {
  return { feature: 'duplicate', value: earlier.lineId, hours_apart: round((later.orderedMs - earlier.orderedMs) / 3_600_000, 2), qty: later.qty, price: later.price, vendor: later.vendor };
}
