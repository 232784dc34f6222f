/**
 * The fallback for histories too short for the chosen method (fewer than a week for ETS, fewer
 * than two seasons for MSTL): the mean of what there is, with a normal interval from its spread.
 * A flat line is all a few days can support.
 */
import { normalBand, sampleSd } from './intervals.js';
import type { MethodForecast } from './method-forecast.js';

export function meanForecast(values: readonly number[], horizon: number, level: number): MethodForecast {
  const n = values.length;
  const mean = n === 0 ? 0 : values.reduce((a, x) => a + x, 0) / n;
  // A new day varies like the history plus the uncertainty of the mean itself.
  const sd = sampleSd(values) * Math.sqrt(1 + 1 / Math.max(1, n));
  return { method: 'mean', ...normalBand(new Array<number>(horizon).fill(mean), new Array<number>(horizon).fill(sd), level) };
}
