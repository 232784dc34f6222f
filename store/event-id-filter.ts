/**
 * A Bloom filter over event ids: "definitely new" for almost every event, so deduplication at
 * append asks the store only about the few ids that might be in the log (real duplicates plus
 * ~0.01% false positives). It grows as a scalable Bloom filter: when a layer is full a layer twice as large
 * is added (lookups check every layer), so it never has to re-read the log.
 *
 * Hand-written because it sits on the per-event hot path: it hashes JS strings in place (two FNV-1a
 * variants, double hashing) without allocating, which general libraries don't.
 */
export class EventIdFilter {
  private readonly layers: Layer[];

  constructor(capacity: number) {
    this.layers = [new Layer(capacity)];
  }

  add(id: string): void {
    let top = this.layers[this.layers.length - 1]!;
    if (top.count >= top.capacity) this.layers.push((top = new Layer(top.capacity * 2)));
    const [h1, h2] = hash(id);
    top.add(h1, h2);
  }

  mightContain(id: string): boolean {
    const [h1, h2] = hash(id);
    for (const layer of this.layers) if (layer.mightContain(h1, h2)) return true;
    return false;
  }
}

/**
 * ~0.01% false positives at capacity (19.2 bits and 13 hashes per id; 24 MB for 10M ids). Ingest
 * reads small batches, so every false positive costs a table lookup for its batch: at 1% nearly
 * every batch paid one.
 */
const HASHES = 13;
const BITS_PER_ID = 19.2;

/** One filter of a power-of-two size, so that bit positions are masked in 32-bit integer arithmetic. */
class Layer {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  count = 0;

  constructor(readonly capacity: number) {
    const size = 2 ** Math.max(10, Math.ceil(Math.log2(capacity * BITS_PER_ID)));
    this.mask = size - 1;
    this.bits = new Uint32Array(size / 32);
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  mightContain(h1: number, h2: number): boolean {
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

const pair: [number, number] = [0, 0];

function hash(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  pair[0] = a >>> 0;
  pair[1] = (b | 1) >>> 0;
  return pair;
}
