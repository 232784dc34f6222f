/**
 * A set of 64-bit fingerprints of event ids: "definitely new" for every new event but a vanishing
 * share (two different ids share a fingerprint with probability ~n/2^64), so deduplication asks
 * the exact structures (ids in memory, the table) only about real duplicates.
 *
 * Open addressing over one Uint32Array of (half, half) pairs: one cache miss per lookup or insert, and nothing for the
 * garbage collector to mark. (A Bloom filter cost ~15 cache misses per event on tens of MB of bits,
 * and its false positives each cost a table lookup.) Grows by doubling at 70% load. 16 bytes a slot:
 * ~23 bytes per id, 230 MB for 10M ids.
 *
 * Hand-written because it sits on the per-event hot path and must hash JS strings in place
 * without allocating; general libraries hold strings or allocate per entry.
 */
export class EventIdFilter {
  /** Slot i is [2i] = first half, [2i + 1] = second half (never 0 when used): one cache line per probe. */
  private slots: Uint32Array;
  private mask: number;
  private size = 0;

  constructor(capacity: number) {
    const slots = 2 ** Math.max(10, Math.ceil(Math.log2(capacity / MAX_LOAD)));
    this.slots = new Uint32Array(2 * slots);
    this.mask = slots - 1;
  }

  add(id: string): void {
    const [a, b] = fingerprint(id);
    this.addFingerprint(a, b);
  }

  mightContain(id: string): boolean {
    const [a, b] = fingerprint(id);
    return this.containsFingerprint(a, b);
  }

  /** As `add`, for a caller that has the id's `fingerprint` already (the hot path hashes once); false when it was there. */
  addFingerprint(a: number, b: number): boolean {
    if (!this.insert(a, b)) return false;
    if (++this.size > (this.mask + 1) * MAX_LOAD) this.grow();
    return true;
  }

  containsFingerprint(a: number, b: number): boolean {
    const slots = this.slots;
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const lo = slots[2 * slot + 1]!;
      if (lo === 0) return false;
      if (lo === b && slots[2 * slot] === a) return true;
    }
  }

  /** Places a fingerprint; false when it was there already. */
  private insert(a: number, b: number): boolean {
    const slots = this.slots;
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const lo = slots[2 * slot + 1]!;
      if (lo === 0) {
        slots[2 * slot] = a;
        slots[2 * slot + 1] = b;
        return true;
      }
      if (lo === b && slots[2 * slot] === a) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

const MAX_LOAD = 0.7;

let h1 = 0;
let h2 = 0;
const pair: [number, number] = [0, 0];

/** The 64-bit fingerprint of an id as two 32-bit halves; the second is never 0. The array is reused: read it at once. */
export function fingerprint(id: string): readonly [number, number] {
  hash(id);
  pair[0] = h1;
  pair[1] = h2;
  return pair;
}

/** Two independent 32-bit hashes of `s` into h1, h2 (module state: no allocation per call); h2 is never 0 (0 marks an empty slot). */
function hash(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final avalanche, so that the low bits used for the slot depend on the whole string.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  h1 = a >>> 0;
  h2 = (b | 1) >>> 0;
}
