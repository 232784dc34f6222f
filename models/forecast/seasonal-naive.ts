/**
 * Seasonal-naive: each future day repeats the same day one season ago (last week's Monday for
 * Monday). The baseline every other method must beat — MASE and RMSSE are scaled by its in-sample
 * error. Interval: normal with the spread of the in-sample seasonal differences, widening with the
 * number of whole seasons ahead (Hyndman & Athanasopoulos, FPP3 §5.5).
 */
import { normalBand } from './intervals.js';
import { meanForecast } from './mean-forecast.js';
import type { MethodForecast } from './method-forecast.js';

export function seasonalNaiveForecast(values: readonly number[], horizon: number, level: number, season = 7): MethodForecast {
  const n = values.length;
  if (n < season) return meanForecast(values, horizon, level);
  const mean: number[] = [];
  for (let h = 0; h < horizon; h++) mean.push(values[n - season + (h % season)]!);
  let squares = 0;
  let count = 0;
  for (let t = season; t < n; t++) {
    squares += (values[t]! - values[t - season]!) ** 2;
    count++;
  }
  // With exactly one season there are no differences yet: the spread of the values stands in.
  const sigma = count > 0 ? Math.sqrt(squares / count) : spread(values);
  const sd = mean.map((_, h) => sigma * Math.sqrt(Math.floor(h / season) + 1));
  return { method: 'seasonal-naive', ...normalBand(mean, sd, level) };
}

function spread(values: readonly number[]): number {
  const m = values.reduce((a, x) => a + x, 0) / values.length;
  return Math.sqrt(values.reduce((a, x) => a + (x - m) ** 2, 0) / values.length);
}
