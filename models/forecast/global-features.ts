/**
 * The features of the global model: what one dense net, shared by every series, sees to predict
 * a day. Every series is divided by its own scale (its mean daily demand) so a fast mover and a
 * slow one speak the same units and one net can learn from both; the scale itself (log) and the
 * share of zero days tell it which kind of series it is looking at.
 */

/** Lags (days back) fed to the net: the last week day by day, two and four weeks back. */
export const LAGS = [1, 2, 3, 4, 5, 6, 7, 14, 28] as const;
/** Days of history needed before the first training row (the longest lag). */
export const MAX_LAG = 28;
/** lags, 7- and 28-day means, zero share of 28 days, log scale, day of season one-hot. */
export function featureCount(season: number): number {
  return LAGS.length + 4 + season;
}

/** The series' scale: mean daily demand of the history, floored so an empty series does not divide by 0. */
export function seriesScale(values: ArrayLike<number>, end = values.length): number {
  let sum = 0;
  for (let t = 0; t < end; t++) sum += Math.max(0, values[t]!);
  return Math.max(sum / Math.max(1, end), 1e-3);
}

/**
 * Writes the features for predicting day `t` of `values` (which must hold at least t days;
 * days before the series began count as 0) into `out` at `offset`. `dayOfSeason` is the position
 * of day t in the season (e.g. weekday), so series that start on different weekdays line up.
 */
export function writeFeatures(values: ArrayLike<number>, t: number, scale: number, dayOfSeason: number, season: number, out: Float32Array, offset: number): void {
  let k = offset;
  const at = (i: number) => (i >= 0 ? Math.max(0, values[i]!) : 0);
  for (const lag of LAGS) out[k++] = at(t - lag) / scale;
  let week = 0;
  let month = 0;
  let zeros = 0;
  for (let i = 1; i <= 28; i++) {
    const x = at(t - i);
    if (i <= 7) week += x;
    month += x;
    if (x === 0) zeros++;
  }
  out[k++] = week / 7 / scale;
  out[k++] = month / 28 / scale;
  out[k++] = zeros / 28;
  out[k++] = Math.log10(scale) / 3;
  for (let j = 0; j < season; j++) out[k++] = j === dayOfSeason ? 1 : 0;
}
