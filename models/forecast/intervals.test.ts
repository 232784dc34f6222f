import { describe, expect, it } from 'vitest';
import { clampBand, normalBand, normalQuantile, occurrenceQuantile, quantileSorted } from './intervals.js';

describe('intervals', () => {
  it('normal quantiles match the tables', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815516, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263479, 6);
    expect(normalQuantile(0.9995)).toBeCloseTo(3.2905267, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('a normal band is clamped at 0 and keeps lower ≤ mean ≤ upper', () => {
    const b = normalBand([1, -0.5], [2, 1], 0.8);
    expect(b.lower).toEqual([0, 0]);
    expect(b.mean).toEqual([1, 0]);
    expect(b.upper[0]).toBeCloseTo(1 + 2 * 1.2815516, 6);
    expect(b.upper[1]).toBeCloseTo(-0.5 + 1.2815516, 6);
    expect(clampBand({ mean: [2], lower: [3], upper: [1] })).toEqual({ mean: [2], lower: [2], upper: [2] });
  });

  it('quantiles of sorted values interpolate between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantileSorted([], 0.5)).toBe(0);
  });

  it('occurrence × size quantiles: 0 up to the no-demand mass, then the size distribution', () => {
    const sizes = [2, 4, 6, 8, 10];
    // p = 0.5: half the days are 0.
    expect(occurrenceQuantile(0.5, sizes, 0.4)).toBe(0);
    expect(occurrenceQuantile(0.5, sizes, 0.5)).toBe(0);
    expect(occurrenceQuantile(0.5, sizes, 0.75)).toBe(6);
    expect(occurrenceQuantile(0.5, sizes, 1)).toBe(10);
    expect(occurrenceQuantile(1, sizes, 0.1)).toBeCloseTo(2.8, 12);
    expect(occurrenceQuantile(0, sizes, 0.99)).toBe(0);
  });
});
