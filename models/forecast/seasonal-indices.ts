/**
 * Classical additive seasonal decomposition (centred moving average, then the average detrended
 * value per position in the season). Far cheaper than MSTL's iterated LOESS fits, and enough for a
 * stable weekly profile; `seasonal-ets` puts ETS on what is left.
 */

/** The centred moving average of one season at each t it is defined for (half a season from either end); NaN elsewhere. */
function centredMovingAverage(values: readonly number[], season: number): Float64Array {
  const n = values.length;
  const prefix = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) prefix[t + 1] = prefix[t]! + values[t]!;
  const half = Math.floor(season / 2);
  const trend = new Float64Array(n).fill(NaN);
  for (let t = half; t < n - half; t++) {
    // An even season takes a 2×season centred average (half weights at both ends) to stay centred on t.
    trend[t] =
      season % 2 === 1
        ? (prefix[t + half + 1]! - prefix[t - half]!) / season
        : (prefix[t + half]! - prefix[t - half + 1]! + (values[t - half]! + values[t + half]!) / 2) / season;
  }
  return trend;
}

/** Additive seasonal indices, one per position `t mod season` (summing to 0); null with fewer than two seasons. */
export function additiveSeasonalIndices(values: readonly number[], season: number): number[] | null {
  if (values.length < 2 * season) return null;
  const trend = centredMovingAverage(values, season);
  const sums = new Array<number>(season).fill(0);
  const counts = new Array<number>(season).fill(0);
  trend.forEach((m, t) => {
    if (Number.isNaN(m)) return;
    sums[t % season]! += values[t]! - m;
    counts[t % season]!++;
  });
  const raw = sums.map((s, j) => (counts[j]! > 0 ? s / counts[j]! : 0));
  const offset = raw.reduce((a, x) => a + x, 0) / season;
  return raw.map((x) => x - offset);
}

/**
 * Multiplicative seasonal indices (mean 1): per position, Σ value ÷ Σ centred moving average — a
 * ratio of sums, so days with a tiny average do not blow up. null with fewer than two seasons or
 * a position without any level to compare with.
 */
export function multiplicativeSeasonalIndices(values: readonly number[], season: number): number[] | null {
  if (values.length < 2 * season) return null;
  const trend = centredMovingAverage(values, season);
  const sums = new Array<number>(season).fill(0);
  const levels = new Array<number>(season).fill(0);
  trend.forEach((m, t) => {
    if (Number.isNaN(m)) return;
    sums[t % season]! += values[t]!;
    levels[t % season]! += m;
  });
  if (levels.some((l) => !(l > 0))) return null;
  const raw = sums.map((s, j) => s / levels[j]!);
  const mean = raw.reduce((a, x) => a + x, 0) / season;
  return mean > 0 ? raw.map((x) => x / mean) : null;
}

/**
 * Multiplicative day-of-season profile of demand (mean 1): each position's share of the total,
 * shrunk toward flat by how few demands there were — three orders say little about which weekday
 * sells. null when there is no demand.
 */
export function demandProfile(values: readonly number[], season: number): number[] | null {
  const sums = new Array<number>(season).fill(0);
  let total = 0;
  let occurrences = 0;
  const n = values.length;
  for (let t = 0; t < n; t++) {
    const x = values[t]!;
    if (!(x > 0)) continue;
    sums[t % season]! += x;
    total += x;
    occurrences++;
  }
  if (total === 0) return null;
  const perPosition = total / season;
  // Prior weight (in positions' worth of average demand): 2 seasons' worth of evidence per demand seen.
  const prior = (2 * season) / occurrences;
  return sums.map((s) => (s / perPosition + prior) / (1 + prior));
}
