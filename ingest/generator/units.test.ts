import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { IsoFormatter, DAY_MS } from './time.js';
import { StreamPerturber, type TimedEvent } from './emitter.js';
import type { ErpEvent } from '../../events/schema.js';

describe('Rng', () => {
  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const take = (r: Rng) => Array.from({ length: 8 }, () => r.u32());
    expect(take(new Rng(1))).toEqual(take(new Rng(1)));
    expect(take(new Rng(1))).not.toEqual(take(new Rng(2)));
    expect(take(new Rng(1, 1))).not.toEqual(take(new Rng(1, 2)));
    expect(take(new Rng(2 ** 40))).not.toEqual(take(new Rng(0)));
  });

  it('draws sane distributions', () => {
    const r = new Rng(7);
    let sum = 0;
    let pois = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      pois += r.poisson(2.5);
      const k = r.int(3, 5);
      expect(k >= 3 && k <= 5).toBe(true);
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(pois / n).toBeCloseTo(2.5, 1);
  });
});

describe('IsoFormatter', () => {
  it('matches Date.toISOString', () => {
    const origin = Date.parse('2024-02-27T00:00:00Z');
    const f = new IsoFormatter(origin);
    const r = new Rng(3);
    for (let i = 0; i < 5000; i++) {
      const ms = origin + Math.floor(r.next() * 800 * DAY_MS);
      expect(f.iso(ms)).toBe(new Date(ms).toISOString());
    }
    expect(f.iso(origin - 1)).toBe(new Date(origin - 1).toISOString());
    expect(f.day(2)).toBe('2024-02-29');
  });
});

describe('StreamPerturber', () => {
  const ev = (i: number) => ({ type: 'product', record_id: `p:${i}` }) as unknown as ErpEvent;

  it('emits every event once plus redeliveries, holding back a bounded number', () => {
    const p = new StreamPerturber(new Rng(1), { lateness: { maxDays: 2, share: 0.1 }, duplicateShare: 0.02 });
    const out: ErpEvent[] = [];
    let i = 0;
    for (let day = 0; day < 30; day++) {
      const items: TimedEvent[] = [];
      for (let k = 0; k < 1000; k++) items.push({ ev: ev(i++), ms: day * DAY_MS + k * 60_000 });
      out.push(...p.emitDay(items));
    }
    out.push(...p.flush());
    expect(out.length).toBe(i + p.duplicates);
    expect(new Set(out.map((e) => e.record_id)).size).toBe(i);
    expect(p.late).toBeGreaterThan(2000);
    expect(p.duplicates).toBeGreaterThan(300);
    // ~10% of two days' events wait at most (plus redeliveries), not the whole stream.
    expect(p.maxHeld).toBeLessThan(400);
    expect(p.emitted).toBe(out.length);
  });

  it('passes everything through in order with zero shares', () => {
    const p = new StreamPerturber(new Rng(1), { lateness: { maxDays: 3, share: 0 }, duplicateShare: 0 });
    const items: TimedEvent[] = Array.from({ length: 100 }, (_, k) => ({ ev: ev(k), ms: k }));
    const out = [...p.emitDay(items), ...p.flush()];
    expect(out.length).toBe(100);
  });
});
