import { describe, expect, it } from 'vitest';
import { CategoryCounts, medianInPlace, robustPosition, RollingWindow, zEvidence } from './robust-stats.js';
import { scoreOf } from './evidence.js';

/** The exact median and MAD of an array, by sorting (the reference). */
function reference(xs: number[]): { median: number; mad: number } {
  const med = (a: number[]) => {
    const s = [...a].sort((x, y) => x - y);
    const h = s.length >> 1;
    return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  };
  const m = med(xs);
  return { median: m, mad: med(xs.map((x) => Math.abs(x - m))) };
}

describe('RollingWindow', () => {
  it('keeps the exact median and MAD of the last `capacity` values, duplicates included', () => {
    let s = 7;
    const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const w = new RollingWindow(17);
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const x = i % 7 === 0 ? 3 : Math.round(random() * 100) / 4;
      w.add(x);
      all.push(x);
      const ref = reference(all.slice(-17));
      expect(w.size).toBe(Math.min(17, all.length));
      expect(w.median()).toBe(ref.median);
      expect(w.mad()).toBe(ref.mad);
      expect(w.last()).toBe(x);
    }
  });

  it('refuses non-finite values and bad capacities', () => {
    expect(() => new RollingWindow(4).add(NaN)).toThrow(/cannot add NaN/);
    expect(() => new RollingWindow(0)).toThrow(/positive integer/);
  });
});

describe('medianInPlace', () => {
  it('equals the sorted median for odd and even counts', () => {
    for (const xs of [[5], [2, 1], [3, 1, 2], [4, 4, 1, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]) {
      expect(medianInPlace(Float64Array.from(xs), xs.length)).toBe(reference(xs).median);
    }
  });
});

describe('robustPosition', () => {
  it('measures a value in MAD-based σ from the median, with a floor for constant histories', () => {
    const w = new RollingWindow(8);
    for (const x of [10, 11, 9, 10, 12, 8, 10]) w.add(x);
    // median 10, MAD 1 → σ ≈ 1.4826
    expect(robustPosition(w, 40, 0.1, 5)).toEqual({ median: 10, scale: 1.4826, z: 30 / 1.4826 });
    // An outlier in the history barely moves it (the mean would be dragged).
    w.add(1000);
    expect(robustPosition(w, 40, 0.1, 5)!.median).toBe(10);
    const flat = new RollingWindow(8);
    for (let i = 0; i < 6; i++) flat.add(5);
    expect(robustPosition(flat, 6, 0.5, 5)!.z).toBe(2);
    expect(robustPosition(flat, 6, 0.5, 7)).toBeUndefined();
  });
});

describe('evidence and score', () => {
  it('maps evidence monotonically into [0, 1): none is 0, more is higher', () => {
    expect(zEvidence(2.5, 3, 6)).toBe(0);
    expect(zEvidence(-5, 3, 6)).toBe(2);
    expect(zEvidence(50, 3, 6)).toBe(6);
    expect(scoreOf(0)).toBe(0);
    expect(scoreOf(3)).toBeCloseTo(1 - Math.exp(-1));
    expect(scoreOf(2)).toBeLessThan(scoreOf(6));
    expect(scoreOf(1000)).toBeLessThanOrEqual(1);
  });

  it('rates an unseen category rarer the longer the history', () => {
    const c = new CategoryCounts();
    for (let i = 0; i < 10; i++) c.add(i % 2 ? 'alice' : 'bob');
    const short = c.surprisal('mallory');
    for (let i = 0; i < 90; i++) c.add(i % 2 ? 'alice' : 'bob');
    expect(c.surprisal('mallory')).toBeGreaterThan(short);
    expect(c.surprisal('alice')).toBeLessThan(1);
  });
});
