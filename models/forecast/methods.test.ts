import { describe, expect, it } from 'vitest';
import { etsForecast, mstlForecast, seasonalEtsForecast } from './augurs.js';
import { croston } from '../intermittent.js';
import { autoMethod } from './auto.js';
import { forecastOne } from './forecast-one.js';
import { intermittentForecast } from './intermittent-forecast.js';
import { meanForecast } from './mean-forecast.js';
import { additiveSeasonalIndices, demandProfile, multiplicativeSeasonalIndices } from './seasonal-indices.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';

/** A deterministic weekly series: level 20, weekday shape, a little noise from a fixed LCG. */
function weekly(days: number, seed = 1): number[] {
  const shape = [0.2, 1.2, 1.15, 1.1, 1.1, 1.0, 0.35];
  let s = seed;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;
  return Array.from({ length: days }, (_, t) => Math.max(0, 20 * shape[t % 7]! + 2 * noise()));
}

function expectBand(f: { mean: number[]; lower: number[]; upper: number[] }, horizon: number): void {
  for (const xs of [f.mean, f.lower, f.upper]) expect(xs).toHaveLength(horizon);
  f.mean.forEach((m, h) => {
    expect(f.lower[h]).toBeGreaterThanOrEqual(0);
    expect(f.lower[h]).toBeLessThanOrEqual(m);
    expect(f.upper[h]).toBeGreaterThanOrEqual(m);
  });
}

describe('seasonal-naive', () => {
  it('repeats the last season and widens its interval once per season ahead', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8];
    const f = seasonalNaiveForecast(values, 15, 0.8);
    expect(f.method).toBe('seasonal-naive');
    expect(f.mean).toEqual([2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8, 2]);
    // In-sample seasonal differences are all 1: sd 1, z(0.9) = 1.2816; ×√2 in the second week.
    expect(f.upper[0]! - f.mean[0]!).toBeCloseTo(1.2815516, 5);
    expect(f.upper[7]! - f.mean[7]!).toBeCloseTo(1.2815516 * Math.SQRT2, 5);
    expect(f.upper[14]! - f.mean[14]!).toBeCloseTo(1.2815516 * Math.sqrt(3), 5);
    expect(f.lower[0]).toBeCloseTo(2 - 1.2815516, 5);
    expectBand(f, 15);
  });

  it('falls back to the mean with less than a season', () => {
    const f = seasonalNaiveForecast([2, 4], 3, 0.8);
    expect(f.method).toBe('mean');
    expect(f.mean).toEqual([3, 3, 3]);
  });
});

describe('mean fallback', () => {
  it('is flat at the mean with a normal interval from the spread, never below 0', () => {
    const f = meanForecast([1, 3], 2, 0.95);
    expect(f.mean).toEqual([2, 2]);
    // sd √2 × √(1 + 1/2), z(0.975) = 1.96.
    expect(f.upper[0]).toBeCloseTo(2 + 1.959964 * Math.SQRT2 * Math.sqrt(1.5), 4);
    expect(f.lower[0]).toBe(0);
  });
});

describe('seasonal indices and profile', () => {
  it('recovers an additive weekly pattern on a trend exactly', () => {
    const pattern = [-3, 2, 1, 0, 1, 2, -3];
    const values = Array.from({ length: 35 }, (_, t) => 10 + 0.5 * t + pattern[t % 7]!);
    const indices = additiveSeasonalIndices(values, 7)!;
    indices.forEach((x, j) => expect(x).toBeCloseTo(pattern[j]!, 10));
    expect(additiveSeasonalIndices(values.slice(0, 13), 7)).toBeNull();
  });

  it('recovers a multiplicative weekly pattern on a flat level exactly', () => {
    const shape = [0.2, 1.2, 1.15, 1.1, 1.1, 1.0, 0.35];
    const mean = shape.reduce((a, x) => a + x, 0) / 7;
    const values = Array.from({ length: 42 }, (_, t) => 30 * shape[t % 7]!);
    const indices = multiplicativeSeasonalIndices(values, 7)!;
    indices.forEach((x, j) => expect(x).toBeCloseTo(shape[j]! / mean, 10));
    expect(multiplicativeSeasonalIndices(new Array(21).fill(0), 7)).toBeNull();
  });

  it('gives each weekday its share of demand, shrunk toward flat when demands are few', () => {
    const many = Array.from({ length: 700 }, (_, t) => (t % 7 === 0 ? 0 : 6));
    const profile = demandProfile(many, 7)!;
    expect(profile[0]).toBeLessThan(0.05);
    expect(profile.reduce((a, x) => a + x, 0)).toBeCloseTo(7, 10);
    const few = demandProfile([0, 5, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0], 7)!;
    // Two demands, both on position 1: pulled strongly toward 1 everywhere.
    expect(few[1]).toBeGreaterThan(1);
    expect(few[1]).toBeLessThan(2);
    expect(few[0]).toBeGreaterThan(0.5);
    expect(demandProfile([0, 0, 0], 7)).toBeNull();
  });
});

describe('augurs methods', () => {
  const values = weekly(182);

  it('ETS: a flat-ish level near the mean, intervals that contain it', () => {
    const f = etsForecast(values, 14, 0.8);
    expect(f.method).toBe('ets');
    expectBand(f, 14);
    const mean = values.reduce((a, x) => a + x, 0) / values.length;
    expect(Math.abs(f.mean[0]! - mean)).toBeLessThan(5);
  });

  it('MSTL and seasonal-ets follow the week: Sundays low, Mondays high', () => {
    for (const f of [mstlForecast(values, 14, 0.8), seasonalEtsForecast(values, 14, 0.8)]) {
      expectBand(f, 14);
      // Day 182 is position 0 (the low day), day 183 position 1 (the high day).
      expect(f.mean[0]).toBeLessThan(8);
      expect(f.mean[1]).toBeGreaterThan(18);
      expect(f.mean[7]).toBeLessThan(8);
    }
    expect(mstlForecast(values, 14, 0.8).method).toBe('mstl');
    expect(seasonalEtsForecast(values, 14, 0.8).method).toBe('seasonal-ets');
    expect(seasonalEtsForecast(values, 14, 0.8, 7, 'additive').method).toBe('seasonal-ets');
  });

  it('a wider level gives a wider interval', () => {
    const narrow = mstlForecast(values, 7, 0.8);
    const wide = mstlForecast(values, 7, 0.95);
    expect(wide.upper[3]! - wide.lower[3]!).toBeGreaterThan(narrow.upper[3]! - narrow.lower[3]!);
  });

  it('falls back on short histories instead of failing', () => {
    expect(mstlForecast(values.slice(0, 10), 3, 0.8).method).toBe('ets');
    expect(etsForecast(values.slice(0, 5), 3, 0.8).method).toBe('mean');
    expect(seasonalEtsForecast(values.slice(0, 10), 3, 0.8).method).toBe('ets');
    expect(etsForecast(new Array(30).fill(0), 3, 0.8).mean).toEqual([0, 0, 0]);
  });
});

describe('intermittent methods', () => {
  const slow = Array.from({ length: 140 }, (_, t) => (t % 10 === 3 ? 5 + (t % 3) : 0));

  it('point forecast is the method rate, flat without the profile', () => {
    const f = intermittentForecast('croston', slow, 7, 0.8, { seasonalProfile: false });
    expect(new Set(f.mean).size).toBe(1);
    expect(f.mean[0]).toBe(croston(slow).rate);
    const s = intermittentForecast('sba', slow, 7, 0.8, { seasonalProfile: false });
    expect(s.mean[0]).toBeCloseTo(f.mean[0]! * 0.95, 10);
  });

  it('interval from occurrence × sizes: lower 0, upper a demand size when p is above the tail', () => {
    // p ≈ 0.1: with level 0.95 the 97.5% quantile is a size; with 0.8 the 90% quantile is ≈ the edge.
    const f = intermittentForecast('tsb', slow, 5, 0.95, { seasonalProfile: false });
    expectBand(f, 5);
    expect(f.lower.every((x) => x === 0)).toBe(true);
    expect(f.upper[0]).toBeGreaterThanOrEqual(5);
    expect(f.upper[0]).toBeLessThanOrEqual(7.5);
    const rare = intermittentForecast('tsb', slow.map((x, t) => (t % 40 === 3 ? x : 0)), 5, 0.8, { seasonalProfile: false });
    // p ≈ 0.025 < 0.1: the 90% quantile is 0, the band collapses onto [0, mean].
    expect(rare.upper[0]).toBe(rare.mean[0]);
  });

  it('the weekly profile moves demand to the days it happens, keeping the weekly total', () => {
    const weekdaysOnly = Array.from({ length: 140 }, (_, t) => (t % 7 < 5 && t % 3 === 0 ? 4 : 0));
    const flat = intermittentForecast('tsb', weekdaysOnly, 7, 0.8, { seasonalProfile: false });
    const shaped = intermittentForecast('tsb', weekdaysOnly, 7, 0.8);
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    expect(sum(shaped.mean)).toBeCloseTo(sum(flat.mean), 8);
    // Positions 5 and 6 never had demand: day 140 is position 0, so horizon days 5 and 6.
    expect(shaped.mean[5]).toBeLessThan(flat.mean[5]! / 2);
    expect(shaped.mean[0]).toBeGreaterThan(flat.mean[0]!);
  });
});

describe('auto', () => {
  it('chooses by demand pattern, with overrides', () => {
    expect(autoMethod('smooth')).toBe('seasonal-ets');
    expect(autoMethod('erratic', { smooth: 'mstl' })).toBe('mstl');
    expect(autoMethod('intermittent')).toBe('tsb');
    expect(autoMethod('lumpy', { lumpy: 'sba' })).toBe('sba');
    expect(autoMethod('no demand')).toBe('zero');
  });

  it('forecastOne reports the pattern and the method that ran', () => {
    const smooth = forecastOne({ id: 'a', values: weekly(70) }, { kind: 'auto', horizon: 3, level: 0.8 });
    expect(smooth.pattern).toBe('smooth');
    expect(smooth.method).toBe('seasonal-ets');
    const none = forecastOne({ id: 'b', values: [0, 0, 0] }, { kind: 'auto', horizon: 2, level: 0.8 });
    expect(none).toEqual({ id: 'b', method: 'zero', pattern: 'no demand', mean: [0, 0], lower: [0, 0], upper: [0, 0] });
  });
});
