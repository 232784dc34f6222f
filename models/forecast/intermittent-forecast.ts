/**
 * Croston, SBA and TSB (models/intermittent.ts) as full forecasts. Their point forecast is a flat
 * rate per day; optionally it is spread over the week by the history's day-of-week profile (demand
 * that never comes on Sundays should not be forecast there). The interval treats each day as "no
 * demand, or one demand with a size like the past ones": probability of demand p = rate ÷ smoothed
 * size, sizes = the history's non-zero values rescaled to the smoothed size. Its quantiles are
 * exact for that mixture and never negative; below 1 − p they are 0, which is the honest answer
 * for a slow mover on most days.
 */
import { croston, sba, tsb, type IntermittentForecast } from '../intermittent.js';
import { occurrenceQuantile } from './intervals.js';
import type { MethodForecast } from './method-forecast.js';
import { demandProfile } from './seasonal-indices.js';

export type IntermittentKind = 'croston' | 'sba' | 'tsb';

export interface IntermittentOptions {
  alpha?: number;
  alphaProbability?: number;
  season?: number;
  seasonalProfile?: boolean;
}

/** The most recent demands describe the sizes to come; older ones are dropped past this many. */
const MAX_SIZES = 100;

export function intermittentForecast(kind: IntermittentKind, values: readonly number[], horizon: number, level: number, options: IntermittentOptions = {}): MethodForecast {
  const alpha = options.alpha ?? 0.1;
  const fit: IntermittentForecast = kind === 'tsb' ? tsb(values, alpha, options.alphaProbability ?? 0.1) : kind === 'sba' ? sba(values, alpha) : croston(values, alpha);
  const season = options.season ?? 7;
  const n = values.length;
  const profile = options.seasonalProfile === false ? null : demandProfile(values, season);
  const positive = values.filter((x) => x > 0).slice(-MAX_SIZES);
  const observedMean = positive.length ? positive.reduce((a, x) => a + x, 0) / positive.length : 0;
  const sizes = positive.map((x) => (x * fit.size) / observedMean).sort((a, b) => a - b);
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 0; h < horizon; h++) {
    const weight = profile ? profile[(n + h) % season]! : 1;
    const rate = fit.rate * weight;
    const p = fit.size > 0 ? Math.min(1, rate / fit.size) : 0;
    // When the profile asks for more than one demand a day (p capped at 1), the sizes scale up instead.
    const scale = fit.size > 0 && rate > fit.size ? rate / fit.size : 1;
    const scaled = scale === 1 ? sizes : sizes.map((x) => x * scale);
    mean.push(rate);
    lower.push(Math.min(rate, occurrenceQuantile(p, scaled, (1 - level) / 2)));
    upper.push(Math.max(rate, occurrenceQuantile(p, scaled, (1 + level) / 2)));
  }
  return { method: kind, mean, lower, upper };
}
