/**
 * The demand model of the simulated distributor: how many customer order lines one SKU gets at one
 * warehouse on one day, and how big they are.
 *
 * - Base level per SKU, lognormal across SKUs (a few fast movers, a long tail).
 * - ~25% of SKUs are intermittent slow movers: an order on few days, lumpy sizes.
 * - Weekly seasonality (weekday multipliers, weekends low), a slow linear trend per SKU.
 * - Promotions: a few windows of 5–10 days per (regular) SKU with a 2–3× lift, across all warehouses.
 * - Each SKU×warehouse has its own scale (warehouse size × local noise).
 *
 * Planning (reorder points) uses `planningStats`, which knows the base level but neither trend nor
 * promotions: that is what makes realistic stockouts.
 */
import type { Rng } from './random.js';

/** Demand multiplier by UTC weekday (0 = Sunday), normalized to a mean of 1. */
const WEEKDAY_RAW = [0.2, 1.2, 1.15, 1.1, 1.1, 1.0, 0.35] as const;
const WEEKDAY_MEAN = WEEKDAY_RAW.reduce((a, b) => a + b, 0) / 7;
const WEEKDAY_FACTOR: readonly number[] = WEEKDAY_RAW.map((f) => f / WEEKDAY_MEAN);

/** Share of SKUs that are intermittent slow movers. */
const INTERMITTENT_SHARE = 0.25;

export interface Promotion {
  /** First day index of the promotion (inclusive). */
  start: number;
  /** Day index after the promotion (exclusive). */
  end: number;
  lift: number;
}

export interface SkuDemand {
  intermittent: boolean;
  /** Regular SKUs: expected order lines per day at scale 1. Intermittent: probability of an order on a day. */
  rate: number;
  /** Median order size in units, and the lognormal spread of sizes. */
  sizeMedian: number;
  sizeSigma: number;
  /** Relative change of the level per 365 days (e.g. 0.2 = +20% after a year). */
  trend: number;
  promotions: Promotion[];
}

export function makeSkuDemand(rng: Rng, days: number): SkuDemand {
  const intermittent = rng.chance(INTERMITTENT_SHARE);
  const trend = Math.max(-0.5, Math.min(0.6, 0.25 * rng.normal()));
  if (intermittent) {
    return {
      intermittent,
      rate: clamp(rng.lognormal(Math.log(0.07), 0.5), 0.01, 0.3),
      sizeMedian: clamp(rng.lognormal(Math.log(8), 0.6), 2, 200),
      sizeSigma: 0.9,
      trend,
      promotions: [],
    };
  }
  const promotions: Promotion[] = [];
  const count = days >= 10 ? rng.poisson(days / 150) : 0;
  for (let i = 0; i < count; i++) {
    const length = rng.int(5, 10);
    const start = rng.int(0, Math.max(0, days - length));
    promotions.push({ start, end: start + length, lift: round2(rng.uniform(2, 3)) });
  }
  promotions.sort((a, b) => a.start - b.start);
  return {
    intermittent,
    rate: clamp(rng.lognormal(Math.log(0.22), 0.9), 0.01, 20),
    sizeMedian: clamp(rng.lognormal(Math.log(3), 0.5), 1, 50),
    sizeSigma: 0.5,
    trend,
    promotions,
  };
}

export function promoLift(d: SkuDemand, day: number): number {
  for (const p of d.promotions) if (day >= p.start && day < p.end) return p.lift;
  return 1;
}

function trendFactor(d: SkuDemand, day: number): number {
  return Math.max(0.3, 1 + (d.trend * day) / 365);
}

function sampleSize(rng: Rng, d: SkuDemand): number {
  return Math.max(1, Math.round(rng.lognormal(Math.log(d.sizeMedian), d.sizeSigma)));
}

/**
 * Appends the sizes of today's order lines for one SKU at one warehouse to `out` (usually zero or
 * one line; more for fast movers and during promotions).
 */
export function sampleOrders(rng: Rng, d: SkuDemand, scale: number, day: number, weekday: number, out: number[]): void {
  const season = WEEKDAY_FACTOR[weekday] ?? 1;
  if (d.intermittent) {
    const p = Math.min(0.9, d.rate * scale * season * trendFactor(d, day));
    if (rng.next() < p) {
      out.push(sampleSize(rng, d));
      if (rng.next() < 0.15) out.push(sampleSize(rng, d));
    }
    return;
  }
  const lambda = d.rate * scale * season * trendFactor(d, day) * promoLift(d, day);
  const n = rng.poisson(lambda);
  for (let i = 0; i < n; i++) out.push(sampleSize(rng, d));
}

/** Expected units per day and its variance, as the planner sees them (no trend, no promotions). */
export function planningStats(d: SkuDemand, scale: number): { mean: number; variance: number } {
  const meanSize = d.sizeMedian * Math.exp((d.sizeSigma * d.sizeSigma) / 2);
  const secondMoment = d.sizeMedian * d.sizeMedian * Math.exp(2 * d.sizeSigma * d.sizeSigma);
  const orders = d.intermittent ? Math.min(0.9, d.rate * scale) * 1.15 : d.rate * scale;
  return { mean: orders * meanSize, variance: orders * secondMoment };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Rounds to whole cents (money and other two-decimal values; also used by simulation.ts). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
