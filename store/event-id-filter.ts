/**
 * A Bloom filter over event ids: "definitely new" for almost every event, so deduplication at
 * append asks the store only about the few ids that might be in the log (real duplicates plus ~1%
 * false positives). Hand-written because it sits on the per-event hot path: it hashes JS strings
 * in place (two FNV-1a variants, double hashing) without allocating, which general libraries don't.
 */
export class EventIdFilter {
  private bits: Uint32Array;
  private readonly hashes: number;
  private readonly size: number;
  count = 0;

  /** Sized for `capacity` ids at about 1% false positives; past it, the caller rebuilds a larger one. */
  constructor(readonly capacity: number) {
    const bits = Math.max(1024, Math.ceil(capacity * 9.6));
    this.size = bits;
    this.bits = new Uint32Array(Math.ceil(bits / 32));
    this.hashes = 7;
  }

  add(id: string): void {
    const [h1, h2] = hash(id);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % this.size;
      const word = bit >>> 5;
      this.bits[word] = this.bits[word]! | (1 << (bit & 31));
    }
    this.count++;
  }

  mightContain(id: string): boolean {
    const [h1, h2] = hash(id);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % this.size;
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
