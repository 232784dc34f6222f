/**
 * What to forecast and how: the one object the rest of the system passes around and the model
 * registry stores. Plain JSON on purpose (no functions, no classes), checked by `parseForecastSpec`
 * so a spec read back from disk or a request is as trustworthy as one built in code.
 */
import type { DemandPattern } from '../demand-pattern.js';

/**
 * Per-series methods; `auto` picks one per series by demand pattern; `global-tfjs` (a small dense
 * net) and `global-linear` (a linear regression) are one model over all series' lag features.
 */
export const FORECAST_KINDS = ['auto', 'seasonal-naive', 'ets', 'mstl', 'seasonal-ets', 'croston', 'sba', 'tsb', 'global-tfjs', 'global-linear'] as const;
export type ForecastKind = (typeof FORECAST_KINDS)[number];

/**
 * The method that actually produced a forecast: a kind other than `auto`, or a fallback —
 * `zero` (auto on a series without any demand), `mean` (a series too short for the chosen method).
 */
export type ForecastMethod = Exclude<ForecastKind, 'auto'> | 'zero' | 'mean';

/** Which classical method `auto` uses for smooth and erratic series. */
export type SmoothMethod = 'mstl' | 'seasonal-ets' | 'ets' | 'seasonal-naive';
/** Which Croston-type method `auto` uses for intermittent and lumpy series. */
export type IntermittentMethod = 'croston' | 'sba' | 'tsb';

export interface ForecastParams {
  /** Season length in days for seasonal-naive, mstl and seasonal-ets (default 7: the week). */
  season?: number;
  /** Smoothing constant of Croston/SBA (size and interval) and of TSB's size (default 0.1). */
  alpha?: number;
  /** TSB's smoothing constant for the probability of demand (default 0.1). */
  alphaProbability?: number;
  /**
   * Croston-type methods: spread the flat rate over the days of the season by the share of demand
   * each day had in the history (default true). Demand that follows the week (weekends quiet) is
   * then forecast where it falls; the weekly total is unchanged.
   */
  seasonalProfile?: boolean;
  /** auto: the method for smooth and erratic series (default 'seasonal-ets'). */
  smooth?: SmoothMethod;
  /** auto: the method for intermittent series (default 'tsb'). */
  intermittent?: IntermittentMethod;
  /** auto: the method for lumpy series (default 'tsb'). */
  lumpy?: IntermittentMethod;
  /** global-tfjs: a directory with a saved model (model.json + weights.bin) to use instead of training. */
  modelDir?: string;
  /** global-tfjs: training epochs (default 8). */
  epochs?: number;
  /** global-tfjs, global-linear: seed of the row sampling, shuffling and weight initialisation, for repeatable training (default 1). */
  seed?: number;
}

export interface ForecastSpec {
  kind: ForecastKind;
  /** Days to forecast, from the day after the last value. */
  horizon: number;
  /** Coverage of the prediction interval, strictly between 0 and 1 (e.g. 0.8 or 0.95). */
  level: number;
  params?: ForecastParams;
}

/** A daily series: one value per day, oldest first, no gaps. */
export interface SeriesInput {
  id: string;
  values: number[];
  /**
   * The date (YYYY-MM-DD) of values[0]. Only the global model uses it, for the day of the week;
   * without it, series are taken to end on the same day.
   */
  start?: string;
}

export interface SeriesForecast {
  id: string;
  method: ForecastMethod;
  /** The demand pattern of the history, which `auto` chose by. */
  pattern: DemandPattern;
  /** horizon entries each; all ≥ 0 (demand is not negative) and lower ≤ mean ≤ upper. */
  mean: number[];
  lower: number[];
  upper: number[];
}

/** A spec that cannot be used; the message says which field and what is allowed. */
export class ForecastSpecError extends Error {
  override name = 'ForecastSpecError';
}

export const MAX_HORIZON = 3660;

const PARAM_CHECKS: { [K in keyof Required<ForecastParams>]: (v: unknown) => string | null } = {
  season: (v) => (Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 366 ? null : 'an integer from 2 to 366'),
  alpha: (v) => (isShare(v) ? null : 'a number in (0, 1]'),
  alphaProbability: (v) => (isShare(v) ? null : 'a number in (0, 1]'),
  seasonalProfile: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  smooth: (v) => (['mstl', 'seasonal-ets', 'ets', 'seasonal-naive'].includes(v as string) ? null : "one of 'mstl', 'seasonal-ets', 'ets', 'seasonal-naive'"),
  intermittent: (v) => (['croston', 'sba', 'tsb'].includes(v as string) ? null : "one of 'croston', 'sba', 'tsb'"),
  lumpy: (v) => (['croston', 'sba', 'tsb'].includes(v as string) ? null : "one of 'croston', 'sba', 'tsb'"),
  modelDir: (v) => (typeof v === 'string' && v.length > 0 ? null : 'a directory path'),
  epochs: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000 ? null : 'an integer from 1 to 1000'),
  seed: (v) => (Number.isInteger(v) ? null : 'an integer'),
};

function isShare(v: unknown): boolean {
  return typeof v === 'number' && v > 0 && v <= 1;
}

/** Checks a spec from anywhere (JSON, flags, code) and returns it typed; throws ForecastSpecError naming the bad field. */
export function parseForecastSpec(input: unknown): ForecastSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ForecastSpecError('a forecast spec must be an object {kind, horizon, level, params?}');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!['kind', 'horizon', 'level', 'params'].includes(key)) throw new ForecastSpecError(`unknown forecast spec field "${key}" (allowed: kind, horizon, level, params)`);
  if (!FORECAST_KINDS.includes(o.kind as ForecastKind)) throw new ForecastSpecError(`kind ${JSON.stringify(o.kind)} is not a forecast method; use one of ${FORECAST_KINDS.join(', ')}`);
  if (!Number.isInteger(o.horizon) || (o.horizon as number) < 1 || (o.horizon as number) > MAX_HORIZON) throw new ForecastSpecError(`horizon ${JSON.stringify(o.horizon)}: must be a whole number of days from 1 to ${MAX_HORIZON}`);
  if (typeof o.level !== 'number' || !(o.level > 0 && o.level < 1)) throw new ForecastSpecError(`level ${JSON.stringify(o.level)}: must be a coverage strictly between 0 and 1, e.g. 0.8 or 0.95`);
  const spec: ForecastSpec = { kind: o.kind as ForecastKind, horizon: o.horizon as number, level: o.level };
  if (o.params !== undefined) {
    if (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params)) throw new ForecastSpecError('params must be an object');
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(o.params)) {
      const check = PARAM_CHECKS[key as keyof ForecastParams];
      if (!check) throw new ForecastSpecError(`unknown forecast parameter "${key}" (allowed: ${Object.keys(PARAM_CHECKS).join(', ')})`);
      if (value === undefined) continue;
      const problem = check(value);
      if (problem) throw new ForecastSpecError(`params.${key} ${JSON.stringify(value)}: must be ${problem}`);
      params[key] = value;
    }
    spec.params = params as ForecastParams;
  }
  return spec;
}

/** Checks the series handed to forecastSeries/backtest: ids, finite values, at least one value. */
export function checkSeries(series: readonly SeriesInput[]): void {
  const seen = new Set<string>();
  for (const [i, s] of series.entries()) {
    if (typeof s?.id !== 'string') throw new ForecastSpecError(`series #${i}: id must be a string`);
    if (seen.has(s.id)) throw new ForecastSpecError(`series "${s.id}" appears twice; give each series a distinct id (sum or drop the duplicates first)`);
    seen.add(s.id);
    if (s.start !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(s.start) && !Number.isNaN(Date.parse(`${s.start}T00:00:00Z`)))) throw new ForecastSpecError(`series "${s.id}": start ${JSON.stringify(s.start)} is not a YYYY-MM-DD date`);
    if (!Array.isArray(s.values) || s.values.length === 0) throw new ForecastSpecError(`series "${s.id}" has no values; a forecast needs at least one day of history`);
    const bad = s.values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new ForecastSpecError(`series "${s.id}": value #${bad} is ${String(s.values[bad])}, not a finite number (fill missing days with 0 before forecasting)`);
  }
}
