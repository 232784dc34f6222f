/**
 * Streaming robust statistics: the exact median and MAD over a bounded window of the most recent
 * values. A bounded window instead of a running approximation because (a) it forgets old regimes
 * (a SKU whose order size changed last quarter), and (b) it is exact, so a state rebuilt by
 * replaying the same values in the same order is bit-for-bit the state of an uninterrupted run —
 * which the exactly-once guarantee relies on.
 *
 * Cost: adding a value is a binary search plus a shift of at most `capacity` numbers (no
 * allocation); the median is O(1) and the MAD O(capacity) (a selection over a reused scratch array),
 * and both are only asked for when an event is scored, not on every value added.
 */

/** MAD × 1.4826 estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

export class RollingWindow {
  /** Values in arrival order (a ring: `start` is the oldest). */
  private readonly ring: Float64Array;
  /** The same values, sorted ascending (first `size` slots). */
  private readonly sorted: Float64Array;
  private start = 0;
  size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  /** Adds a value; the oldest one goes once the window is full. Non-finite values are refused (they would poison the order). */
  add(x: number): void {
    if (!Number.isFinite(x)) throw new RangeError(`cannot add ${x} to a robust window`);
    if (this.size === this.capacity) {
      const oldest = this.ring[this.start]!;
      this.ring[this.start] = x;
      this.start = (this.start + 1) % this.capacity;
      this.removeSorted(oldest);
    } else {
      this.ring[(this.start + this.size) % this.capacity] = x;
    }
    this.insertSorted(x);
  }

  /** The most recently added value (NaN when empty). */
  last(): number {
    return this.size === 0 ? NaN : this.ring[(this.start + this.size - 1) % this.capacity]!;
  }

  /** The i-th value in arrival order (0 = oldest). */
  at(i: number): number {
    return this.ring[(this.start + i) % this.capacity]!;
  }

  median(): number {
    return medianOfSorted(this.sorted, this.size);
  }

  /** Median absolute deviation from the median (raw, not scaled to σ). */
  mad(scratch: Float64Array = this.scratch()): number {
    const n = this.size;
    if (n === 0) return NaN;
    const m = this.median();
    for (let i = 0; i < n; i++) scratch[i] = Math.abs(this.sorted[i]! - m);
    return medianInPlace(scratch, n);
  }

  private scratchBuffer: Float64Array | undefined;
  private scratch(): Float64Array {
    return (this.scratchBuffer ??= new Float64Array(this.capacity));
  }

  private insertSorted(x: number): void {
    const s = this.sorted;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    s.copyWithin(lo + 1, lo, this.size);
    s[lo] = x;
    this.size++;
  }

  private removeSorted(x: number): void {
    const s = this.sorted;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    // `lo` is the first slot holding x (it is there: every value in the ring is in `sorted`).
    s.copyWithin(lo, lo + 1, this.size);
    this.size--;
  }
}

function medianOfSorted(s: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Median of the first n values of `a` by selection (reorders them). */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const h = n >> 1;
  const upper = select(a, n, h);
  if (n % 2 === 1) return upper;
  // The lower middle is the largest value left of the upper middle after the partition.
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Hoare's selection (quickselect): the k-th smallest of a[0..n), a partitioned around it. */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Where a value lies against a window: its median, robust scale and robust z-score. */
export interface RobustPosition {
  median: number;
  /** max(MAD × 1.4826, floor): the spread a value is measured in. */
  scale: number;
  /** (x − median) / scale, signed. */
  z: number;
}

/**
 * The robust z-score of x against the window, or undefined with fewer than `minHistory` values. The
 * scale has a floor: a window of identical values (MAD 0) would otherwise make any difference infinite.
 */
export function robustPosition(w: RollingWindow, x: number, scaleFloor: number, minHistory: number): RobustPosition | undefined {
  if (w.size < Math.max(1, minHistory)) return undefined;
  const median = w.median();
  const scale = Math.max(MAD_TO_SIGMA * w.mad(), scaleFloor);
  return { median, scale, z: (x - median) / scale };
}

/**
 * Counts of categories (users, hours) over everything seen: how rare one is. The surprisal with
 * add-half smoothing, ln((N + 1) / (n + 0.5)), is finite for an unseen category and grows with the
 * evidence (an unseen user after 100 adjustments is rarer than after 5).
 */
export class CategoryCounts {
  private readonly counts = new Map<string, number>();
  total = 0;

  add(category: string): void {
    this.counts.set(category, (this.counts.get(category) ?? 0) + 1);
    this.total++;
  }

  count(category: string): number {
    return this.counts.get(category) ?? 0;
  }

  surprisal(category: string): number {
    return Math.log((this.total + 1) / (this.count(category) + 0.5));
  }
}

/** Evidence from a robust z: how far beyond `threshold` robust σ a value is (0 within it), capped. */
export function zEvidence(z: number, threshold: number, cap: number): number {
  return Math.min(cap, Math.max(0, Math.abs(z) - threshold));
}

/** A 32-bit FNV-1a hash (identifies a record in a window without keeping its id string). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
