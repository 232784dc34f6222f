/**
 * What the global models (global-tfjs: a dense net, global-linear: a linear regression) share:
 * training rows from every series (global-features.ts), the recursive walk forward of one-day-ahead
 * predictions, and empirical intervals. The last `horizon` days of every series are held out of
 * training; the model forecasts them recursively, and the scaled errors give quantiles per step
 * ahead and demand pattern (a slow mover's errors look nothing like a fast mover's), kept on a grid
 * of probabilities so a saved model gives intervals at any level.
 */
import { mulberry32 } from '../../ingest/generator/random.js';
import { demandPattern, type DemandPattern } from '../demand-pattern.js';
import { featureCount, MAX_LAG, seriesScale, writeFeatures } from './global-features.js';
import { quantileSorted } from './intervals.js';
import { ForecastSpecError, type SeriesForecast, type SeriesInput } from './spec.js';

/** Probabilities at which the held-out error quantiles are kept: 0.005, 0.01, …, 0.995. */
const GRID = [0.005, ...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.995];
const MAX_TRAIN_ROWS = 200_000;
/** Fewer held-out errors than this in a pattern: use all patterns' errors together. */
const MIN_ERRORS = 50;

/** How a trained global model is described: stored with a saved model. */
export interface GlobalModelMeta {
  format: 'ledgerline-global-forecast';
  version: 1;
  season: number;
  /** Steps ahead the error quantiles were measured for; later steps use the last one. */
  horizon: number;
  /** quantiles[group][h][g]: scaled error (actual − forecast) ÷ scale at GRID[g], h steps ahead (0-based). */
  quantiles: Partial<Record<DemandPattern | 'all', number[][]>>;
  trained: { series: number; rows: number; epochs: number; seed: number; loss: number };
}


const DAY_MS = 86_400_000;

/** Position in the season of day t of a series: its weekday when the start is known, else counted back from its last day. */
export function dayOfSeason(series: SeriesInput, t: number, season: number): number {
  if (series.start) {
    const day = Date.parse(`${series.start}T00:00:00Z`) / DAY_MS + t;
    // 1970-01-01 was a Thursday; +4 puts Sunday at 0.
    return (((day + 4) % season) + season) % season;
  }
  return (((t - series.values.length) % season) + season) % season;
}

/** Scaled one-day-ahead predictions for `rows` rows of features. */
export type Predictor = (x: Float32Array, rows: number) => ArrayLike<number>;

/**
 * Forecasts `steps` days past `ends[i]` for every series with one batched net call per day,
 * feeding each day's prediction back as the next day's lag 1. Returns scaled predictions.
 */
export function walkForward(predict: Predictor, series: readonly SeriesInput[], ends: readonly number[], scales: readonly number[], steps: number, season: number): Float32Array[] {
  const f = featureCount(season);
  const work = series.map((s, i) => {
    const buffer = new Float64Array(ends[i]! + steps);
    buffer.set(s.values.slice(0, ends[i]));
    return buffer;
  });
  const out = series.map(() => new Float32Array(steps));
  const x = new Float32Array(series.length * f);
  for (let h = 0; h < steps; h++) {
    series.forEach((s, i) => writeFeatures(work[i]!, ends[i]! + h, scales[i]!, dayOfSeason(s, ends[i]! + h, season), season, x, i * f));
    const prediction = predict(x, series.length);
    series.forEach((_, i) => {
      const scaled = Math.max(0, prediction[i]!);
      out[i]![h] = scaled;
      work[i]![ends[i]! + h] = scaled * scales[i]!;
    });
  }
  return out;
}

/** Training rows (features, scaled target) from every series up to its end, sampled and shuffled with a seed. */
export interface TrainingSet {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  features: number;
  ends: number[];
  scales: number[];
}

/** The series cut `horizon` days before their end (those days are held out), as training rows. */
export function trainingSet(series: readonly SeriesInput[], horizon: number, season: number, seed: number): TrainingSet {
  const f = featureCount(season);
  const rng = mulberry32(seed);
  const ends = series.map((s) => Math.max(0, s.values.length - horizon));
  const scales = series.map((s, i) => seriesScale(s.values, ends[i]));
  let candidates = 0;
  for (const end of ends) candidates += Math.max(0, end - MAX_LAG);
  if (candidates < 100) throw new ForecastSpecError(`global model: only ${candidates} training days across ${series.length} series; it needs series longer than ${MAX_LAG + horizon} days (${MAX_LAG} of lags + the ${horizon}-day holdout), or use a per-series method`);
  const keep = Math.min(1, MAX_TRAIN_ROWS / candidates);
  const rows: [number, number][] = [];
  series.forEach((_, i) => {
    for (let t = MAX_LAG; t < ends[i]!; t++) if (keep === 1 || rng() < keep) rows.push([i, t]);
  });
  // Seeded shuffle (tfjs's own uses Math.random), so training repeats exactly.
  for (let k = rows.length - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [rows[k], rows[j]] = [rows[j]!, rows[k]!];
  }
  const x = new Float32Array(rows.length * f);
  const y = new Float32Array(rows.length);
  rows.forEach(([i, t], r) => {
    const s = series[i]!;
    writeFeatures(s.values, t, scales[i]!, dayOfSeason(s, t, season), season, x, r * f);
    y[r] = Math.max(0, s.values[t]!) / scales[i]!;
  });
  return { x, y, rows: rows.length, features: f, ends, scales };
}

/** Forecasts the held-out days of every series and keeps the scaled errors' quantiles per step and pattern. */
export function heldOutQuantiles(predict: Predictor, series: readonly SeriesInput[], set: TrainingSet, horizon: number, season: number): GlobalModelMeta['quantiles'] {
  const { ends, scales } = set;
  const held = series.map((_, i) => i).filter((i) => ends[i]! >= 7 && series[i]!.values.length > ends[i]!);
  const predictions = walkForward(predict, held.map((i) => series[i]!), held.map((i) => ends[i]!), held.map((i) => scales[i]!), horizon, season);
  const errors = new Map<DemandPattern | 'all', number[][]>();
  const add = (group: DemandPattern | 'all', h: number, e: number) => {
    let byStep = errors.get(group);
    if (!byStep) errors.set(group, (byStep = Array.from({ length: horizon }, () => [])));
    byStep[h]!.push(e);
  };
  held.forEach((i, k) => {
    const s = series[i]!;
    const pattern = demandPattern(s.values.slice(0, ends[i])).pattern;
    for (let h = 0; h < horizon && ends[i]! + h < s.values.length; h++) {
      const e = (Math.max(0, s.values[ends[i]! + h]!) - predictions[k]![h]! * scales[i]!) / scales[i]!;
      add(pattern, h, e);
      add('all', h, e);
    }
  });
  const quantiles: GlobalModelMeta['quantiles'] = {};
  for (const [group, byStep] of errors) {
    if (group !== 'all' && byStep.some((es) => es.length < MIN_ERRORS)) continue;
    quantiles[group] = byStep.map((es) => {
      const sorted = es.sort((a, b) => a - b);
      return GRID.map((p) => quantileSorted(sorted, p));
    });
  }
  if (!quantiles.all) throw new ForecastSpecError('global model: no series had held-out days to measure interval errors on');
  return quantiles;
}

/** The scaled-error quantile at probability p (interpolated on the grid), h steps ahead. */
export function errorQuantile(meta: Pick<GlobalModelMeta, 'quantiles'>, pattern: DemandPattern, h: number, p: number): number {
  const byStep = meta.quantiles[pattern] ?? meta.quantiles.all!;
  const row = byStep[Math.min(h, byStep.length - 1)]!;
  const g = GRID.findIndex((q) => q >= p);
  // Beyond the grid's ends the extreme measured quantile is the best there is.
  if (g === 0) return row[0]!;
  if (g < 0) return row[row.length - 1]!;
  const w = (p - GRID[g - 1]!) / (GRID[g]! - GRID[g - 1]!);
  return row[g - 1]! + w * (row[g]! - row[g - 1]!);
}

/** Walks a predictor forward from the end of every series and puts the held-out error quantiles around it. */
export function forecastWith(predict: Predictor, meta: Pick<GlobalModelMeta, 'season' | 'quantiles'>, method: 'global-tfjs' | 'global-linear', series: readonly SeriesInput[], horizon: number, level: number): SeriesForecast[] {
  const ends = series.map((s) => s.values.length);
  const scales = series.map((s) => seriesScale(s.values));
  const predictions = walkForward(predict, series, ends, scales, horizon, meta.season);
  return series.map((s, i) => {
    const pattern = demandPattern(s.values).pattern;
    const scale = scales[i]!;
    const none = pattern === 'no demand';
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    for (let h = 0; h < horizon; h++) {
      const m = none ? 0 : predictions[i]![h]! * scale;
      mean.push(m);
      lower.push(none ? 0 : Math.min(m, Math.max(0, m + scale * errorQuantile(meta, pattern, h, (1 - level) / 2))));
      upper.push(none ? 0 : Math.max(m, m + scale * errorQuantile(meta, pattern, h, (1 + level) / 2)));
    }
    return { id: s.id, method, pattern, mean, lower, upper };
  });
}

