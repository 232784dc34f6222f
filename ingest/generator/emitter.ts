/**
 * Stream realism: turns the simulation's per-day, time-ordered events into a file order that looks
 * like a real change feed.
 *
 * - Events within a day are shuffled a bit (a few short-range swaps).
 * - A share of events (`lateness.share`) is held back and emitted late, by up to `lateness.maxDays`
 *   days after its occurred_at, so a higher version of a record can arrive before a lower one.
 * - A share of events (`duplicateShare`) is emitted twice: a byte-identical redelivery a little later.
 *
 * Memory stays bounded: only the held-back events wait, in a priority queue keyed by release time
 * (≈ share × events per maxDays days).
 */
import type { ErpEvent } from '../../events/schema.js';
import type { Rng } from './random.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';

/** Chance that an event swaps place with one of its next few neighbours. */
const SWAP_SHARE = 0.03;
/** A redelivery follows the original within this time. */
const REDELIVERY_MAX_MS = 2 * HOUR_MS;

export interface TimedEvent {
  ev: ErpEvent;
  /** occurred_at in epoch milliseconds. */
  ms: number;
}

interface Held {
  release: number;
  seq: number;
  ev: ErpEvent;
}

export interface PerturbOptions {
  lateness: { maxDays: number; share: number };
  duplicateShare: number;
}

export class StreamPerturber {
  private readonly heap: Held[] = [];
  private seq = 0;
  emitted = 0;
  late = 0;
  duplicates = 0;
  maxHeld = 0;

  constructor(
    private readonly rng: Rng,
    private readonly opts: PerturbOptions,
  ) {}

  /** Emits events unchanged (master data at the start of the stream). */
  *passthrough(events: Iterable<ErpEvent>): Generator<ErpEvent> {
    for (const ev of events) {
      this.emitted++;
      yield ev;
    }
  }

  /** Emits one day of events (time-ordered) with swaps, lateness and redeliveries. */
  *emitDay(items: TimedEvent[]): Generator<ErpEvent> {
    const rng = this.rng;
    const n = items.length;
    for (let i = 0; i + 1 < n; i++) {
      if (rng.next() < SWAP_SHARE) {
        const j = Math.min(n - 1, i + 1 + Math.floor(rng.next() * 3));
        const tmp = items[i] as TimedEvent;
        items[i] = items[j] as TimedEvent;
        items[j] = tmp;
      }
    }
    const { share, maxDays } = this.opts.lateness;
    const maxDelay = maxDays * DAY_MS;
    const dupShare = this.opts.duplicateShare;
    for (const item of items) {
      while (this.heap.length > 0 && (this.heap[0] as Held).release <= item.ms) {
        this.emitted++;
        yield this.pop().ev;
      }
      const late = maxDelay > 0 && rng.next() < share;
      const at = late ? item.ms + MINUTE_MS + Math.floor(rng.next() * Math.max(0, maxDelay - MINUTE_MS)) : item.ms;
      if (rng.next() < dupShare) {
        // A shallow copy taken before the original is handed out: every field is a primitive, so the
        // redelivery serializes identically even if a consumer mutates the original (validateEvent
        // fills in ingested_at).
        this.push(at + 1 + Math.floor(rng.next() * REDELIVERY_MAX_MS), { ...item.ev } as ErpEvent);
        this.duplicates++;
      }
      if (late) {
        this.push(at, item.ev);
        this.late++;
      } else {
        this.emitted++;
        yield item.ev;
      }
    }
  }

  /** Emits everything still held back, in release order (end of the stream). */
  *flush(): Generator<ErpEvent> {
    while (this.heap.length > 0) {
      this.emitted++;
      yield this.pop().ev;
    }
  }

  private less(a: Held, b: Held): boolean {
    return a.release < b.release || (a.release === b.release && a.seq < b.seq);
  }

  private push(release: number, ev: ErpEvent): void {
    const h = this.heap;
    h.push({ release, seq: this.seq++, ev });
    if (h.length > this.maxHeld) this.maxHeld = h.length;
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Held, h[p] as Held)) break;
      const tmp = h[i] as Held;
      h[i] = h[p] as Held;
      h[p] = tmp;
      i = p;
    }
  }

  private pop(): Held {
    const h = this.heap;
    const top = h[0] as Held;
    const last = h.pop() as Held;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Held, h[m] as Held)) m = l;
        if (r < h.length && this.less(h[r] as Held, h[m] as Held)) m = r;
        if (m === i) break;
        const tmp = h[i] as Held;
        h[i] = h[m] as Held;
        h[m] = tmp;
        i = m;
      }
    }
    return top;
  }
}
