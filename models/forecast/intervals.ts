/**
 * Prediction intervals for the methods that do not come with their own: a normal approximation
 * widening with the horizon (seasonal-naive, mean), and the mixture "no demand, or a size from the
 * history" for Croston-type rates. Everything is clamped at 0 because demand is not negative, so
 * a symmetric normal interval around a small mean would otherwise promise impossible values.
 */

/** Quantile of the standard normal distribution (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

export interface Band {
  mean: number[];
  lower: number[];
  upper: number[];
}

/** mean ± z·sd[h] at the given two-sided level, clamped at 0. */
export function normalBand(mean: readonly number[], sd: readonly number[], level: number): Band {
  const z = normalQuantile(0.5 + level / 2);
  return clampBand({ mean: [...mean], lower: mean.map((m, h) => m - z * sd[h]!), upper: mean.map((m, h) => m + z * sd[h]!) });
}

/** Clamps every value at 0 and keeps lower ≤ mean ≤ upper (numerical noise or a clamp can cross them). */
export function clampBand(band: Band): Band {
  const mean = band.mean.map((m) => (m > 0 ? m : 0));
  const lower = band.lower.map((l, h) => Math.min(l > 0 ? l : 0, mean[h]!));
  const upper = band.upper.map((u, h) => Math.max(u > 0 ? u : 0, mean[h]!));
  return { mean, lower, upper };
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  const a = sorted[i]!;
  const b = sorted[Math.min(i + 1, sorted.length - 1)]!;
  return a + frac * (b - a);
}

/**
 * The q-quantile of one day's demand when a demand happens with probability `p` and its size is
 * drawn from `sizes` (sorted, > 0): with probability 1 − p the day is 0, so every quantile below
 * 1 − p is 0 — an 80% interval on a slow mover is often [0, 0] on most days, and that is right.
 */
export function occurrenceQuantile(p: number, sizes: readonly number[], q: number): number {
  if (!(p > 0) || sizes.length === 0 || q <= 1 - p) return 0;
  return quantileSorted(sizes, Math.min(1, (q - (1 - p)) / p));
}

/** Standard deviation (n − 1) of finite values; 0 with fewer than two. */
export function sampleSd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, x) => a + x, 0) / n;
  return Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
}
