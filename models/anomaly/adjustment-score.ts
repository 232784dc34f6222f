/**
 * Anomaly score of one inventory adjustment (a done move to or from an inventory-usage location),
 * from what the scorer has seen before it:
 *
 * - size: ln|qty| against the SKU-warehouse's recent customer move sizes (the "typical pick"), a
 *   robust z (median/MAD); only larger than typical counts;
 * - value: ln(|qty| × unit cost) against the recent adjustment values of the peers (see below);
 * - user: how rare the counting user is among the peers' adjustments (from the inventory count the
 *   adjustment follows);
 * - hour: how rare the UTC hour of day is among the peers' adjustments;
 * - frequency: other adjustments of the same SKU-warehouse in the 7 days before;
 * - reason: the count has no reason code, or no count was seen for the adjustment at all.
 *
 * Peers are the SKU-warehouses the scorer holds together (those of one bus partition): user and hour
 * habits are shared across SKUs, and a single SKU-warehouse adjusts too rarely (every few weeks) to
 * know its own. The partition's members are fixed by the key hash, and its records come in a fixed
 * order, so the scores are a deterministic function of the stream.
 *
 * Pure: no I/O; the processor keeps the state objects and feeds them.
 */
import { EvidenceBuilder, round, type Scored } from './evidence.js';
import { CategoryCounts, fnv1a, robustPosition, RollingWindow, zEvidence } from './robust-stats.js';

export const ADJUSTMENT_MODEL = 'robust-v1';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Customer moves kept per SKU-warehouse for the typical size. */
const SIZE_WINDOW = 32;
/** Adjustment values kept per peer group. */
const VALUE_WINDOW = 64;
/** Counts kept per SKU-warehouse for matching adjustments to them. */
const COUNT_SLOTS = 8;
/** Adjustment times kept per SKU-warehouse (frequency). */
const TIME_SLOTS = 8;
/** A count and its adjustment are applied together in the ERP: seconds apart at most, minutes to be lenient. */
const COUNT_MATCH_MS = 10 * 60_000;
/** Below this share of history a category is "rare": surprisal beyond ln(10). */
const RARE_SURPRISAL = Math.log(10);
/** Histories shorter than this say little about rarity: evidence ramps up to it. */
const RARITY_FULL_HISTORY = 20;
const FREQUENCY_WINDOW_MS = 7 * DAY_MS;
/** An adjustment that undoes one of the last this many days is the correction of it, not news. */
const REVERSAL_WINDOW_MS = 60 * DAY_MS;
/** Share of stock adjusted (|qty| / system qty) beyond which the rule applies while the peers' history is short. */
const SHARE_RULE = 0.5;

/** An inventory count that changed the system quantity (its adjustment is expected). */
export interface CountNote {
  countId: string;
  /** counted − system: the signed quantity of the adjustment it causes. */
  diff: number;
  atMs: number;
  user: string;
  reason: string | null;
  /** The system quantity the count found (before the adjustment). */
  system: number;
  /** The count's version: a corrected count replaces the note of its earlier version. */
  version: number;
}

/** What the scorer knows of one SKU-warehouse. */
export class AdjustmentCell {
  /** ln(qty) of recent moves to and from customers. */
  readonly sizes = new RollingWindow(SIZE_WINDOW);
  /** Hashes of those moves' event ids (a redelivered move is not counted twice). */
  private readonly sizeIds = new Uint32Array(SIZE_WINDOW);
  private sizeNext = 0;
  readonly counts: CountNote[] = [];
  private readonly times = new Float64Array(TIME_SLOTS).fill(NaN);
  private readonly quantities = new Float64Array(TIME_SLOTS);
  private timeNext = 0;
  /** Adjustment moves scored (each once, at its first version seen). */
  readonly scored = new Set<string>();
  /** The last unit cost seen on a move of this SKU-warehouse (0: none yet). */
  unitCost = 0;

  /** Adds a customer move's size; false if the same event is already in the window. */
  addSize(eventId: string, qty: number): boolean {
    if (!(qty > 0)) return false;
    const h = fnv1a(eventId);
    for (let i = 0; i < this.sizes.size; i++) if (this.sizeIds[i] === h) return false;
    this.sizes.add(Math.log(qty));
    this.sizeIds[this.sizeNext] = h;
    this.sizeNext = (this.sizeNext + 1) % SIZE_WINDOW;
    return true;
  }

  /** Adds a count, or replaces the version held of it by a higher one (in its place: the slots age by first sight). */
  addCount(note: CountNote): void {
    const held = this.counts.findIndex((c) => c.countId === note.countId);
    if (held >= 0) {
      if (note.version <= this.counts[held]!.version) return;
      if (note.diff === 0) this.counts.splice(held, 1);
      else this.counts[held] = note;
      return;
    }
    if (note.diff === 0) return;
    if (this.counts.length === COUNT_SLOTS) this.counts.shift();
    this.counts.push(note);
  }

  /** The count an adjustment of `qty` at `atMs` follows: same signed quantity, nearest in time. */
  countFor(qty: number, atMs: number): CountNote | undefined {
    let best: CountNote | undefined;
    for (const c of this.counts) {
      const gap = Math.abs(atMs - c.atMs);
      if (Math.abs(c.diff - qty) < 1e-9 && gap <= COUNT_MATCH_MS && (!best || gap < Math.abs(atMs - best.atMs))) best = c;
    }
    return best;
  }

  /** Adjustments of this cell in the window before `atMs` (by event time, among those seen). */
  recentAdjustments(atMs: number): number {
    let n = 0;
    for (let i = 0; i < TIME_SLOTS; i++) {
      const t = this.times[i]!;
      if (t <= atMs && atMs - t <= FREQUENCY_WINDOW_MS) n++;
    }
    return n;
  }

  /** A recent adjustment (by event time, before `atMs`) that this one undoes: opposite sign, about the same size. */
  reversed(qty: number, atMs: number): number | undefined {
    for (let i = 0; i < TIME_SLOTS; i++) {
      const t = this.times[i]!;
      const q = this.quantities[i]!;
      if (!(t <= atMs && atMs - t <= REVERSAL_WINDOW_MS) || Math.sign(q) === Math.sign(qty)) continue;
      if (Math.abs(Math.abs(q) - Math.abs(qty)) <= 0.2 * Math.abs(qty) + 2) return q;
    }
    return undefined;
  }

  addAdjustment(qty: number, atMs: number): void {
    this.times[this.timeNext] = atMs;
    this.quantities[this.timeNext] = qty;
    this.timeNext = (this.timeNext + 1) % TIME_SLOTS;
  }
}

/** What the scorer knows of a peer group's adjustments. */
export class AdjustmentPeers {
  readonly users = new CategoryCounts();
  readonly hours = new Int32Array(24);
  hoursTotal = 0;
  /** ln(|qty| × unit cost) of recent adjustments. */
  readonly values = new RollingWindow(VALUE_WINDOW);
  /** ln(|qty| / system qty) of recent adjustments that follow a count with stock. */
  readonly shares = new RollingWindow(VALUE_WINDOW);
}

/** One adjustment as scored, and as stored: these fields are also what it adds to the state. */
export interface Adjustment {
  /** Signed from the stock side: + into stock, − out. */
  qty: number;
  unitCost: number;
  atMs: number;
  /** The count it follows (null: none seen). */
  countId: string | null;
  /** The counting user ('' when no count was seen). */
  user: string;
  reason: string | null;
  /** The system quantity its count found (NaN: no count seen). */
  system: number;
}

export function scoreAdjustment(cell: AdjustmentCell, peers: AdjustmentPeers, a: Adjustment): Scored {
  const ev = new EvidenceBuilder();
  const size = Math.abs(a.qty);
  // The cycle count after an absurd adjustment finds the stock as it was and adjusts it back: the
  // size of that correction is the earlier adjustment's, not news of its own.
  const reverses = cell.reversed(a.qty, a.atMs);
  const magnitude = reverses === undefined ? 1 : 0.2;
  const note = reverses === undefined ? {} : { reverses };
  const sizePos = robustPosition(cell.sizes, Math.log(size), 0.35, 5);
  if (sizePos && sizePos.z > 0) {
    ev.add(magnitude, zEvidence(sizePos.z, 2, 6), { feature: 'size', value: size, typical: round(Math.exp(sizePos.median), 3), robust_z: round(sizePos.z, 2), of: cell.sizes.size, ...note });
  }
  const value = size * a.unitCost;
  if (value > 0) {
    const valuePos = robustPosition(peers.values, Math.log(value), 0.5, 10);
    if (valuePos && valuePos.z > 0) {
      ev.add(0.5 * magnitude, zEvidence(valuePos.z, 3, 4), { feature: 'value', value: round(value, 2), typical: round(Math.exp(valuePos.median), 2), robust_z: round(valuePos.z, 2), of: peers.values.size, ...note });
    }
  }
  if (a.system > 0) {
    const share = size / a.system;
    const sharePos = robustPosition(peers.shares, Math.log(share), 0.5, 10);
    if (sharePos) {
      if (sharePos.z > 0) ev.add(magnitude, zEvidence(sharePos.z, 3, 4), { feature: 'stock_share', value: round(share, 4), typical: round(Math.exp(sharePos.median), 4), robust_z: round(sharePos.z, 2), of: peers.shares.size, ...note });
    } else if (share > SHARE_RULE) {
      ev.add(magnitude, Math.min(4, 2 * Math.log(share / SHARE_RULE)), { feature: 'stock_share', value: round(share, 4), typical: `≤ ${SHARE_RULE}`, of: peers.shares.size, ...note });
    }
  }
  if (a.countId !== null) {
    const ramp = Math.min(1, peers.users.total / RARITY_FULL_HISTORY);
    const rarity = Math.min(4, Math.max(0, peers.users.surprisal(a.user) - RARE_SURPRISAL));
    ev.add(ramp, rarity, { feature: 'user', value: a.user, seen: peers.users.count(a.user), of: peers.users.total });
    if (a.reason === null || a.reason.trim() === '') ev.add(1, 2, { feature: 'reason', value: null, count_id: a.countId });
  } else {
    ev.add(1, 1, { feature: 'count', value: null, note: 'no inventory count seen for this adjustment (none, or it arrives later)' });
  }
  const hour = hourOf(a.atMs);
  const hourSeen = peers.hours[hour]!;
  const hourRarity = Math.min(4, Math.max(0, Math.log((peers.hoursTotal + 1) / (hourSeen + 0.5)) - RARE_SURPRISAL));
  ev.add(Math.min(1, peers.hoursTotal / RARITY_FULL_HISTORY), hourRarity, { feature: 'hour', value: hour, seen: hourSeen, of: peers.hoursTotal });
  const recent = cell.recentAdjustments(a.atMs);
  if (recent >= 2) ev.add(0.5, Math.min(3, recent - 1), { feature: 'frequency', value: recent + 1, typical: 1, window_days: 7 });
  return ev.done();
}

/** Adds a scored adjustment to the state (live, and when restoring from the stored scores). */
export function addAdjustment(cell: AdjustmentCell, peers: AdjustmentPeers, a: Adjustment): void {
  const value = Math.abs(a.qty) * a.unitCost;
  if (value > 0) peers.values.add(Math.log(value));
  if (a.countId !== null) peers.users.add(a.user);
  if (a.system > 0) peers.shares.add(Math.log(Math.abs(a.qty) / a.system));
  peers.hours[hourOf(a.atMs)]!++;
  peers.hoursTotal++;
  cell.addAdjustment(a.qty, a.atMs);
}

function hourOf(ms: number): number {
  return Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}
