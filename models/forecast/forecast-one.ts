/**
 * One series, one spec → one forecast: the dispatch shared by the in-thread path and the worker
 * threads (it must stay free of anything that cannot run in a worker).
 */
import { demandPattern } from '../demand-pattern.js';
import { etsForecast, mstlForecast, seasonalEtsForecast } from './augurs.js';
import { autoMethod, type AutoChoice } from './auto.js';
import { intermittentForecast } from './intermittent-forecast.js';
import type { MethodForecast } from './method-forecast.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';
import type { ForecastParams, ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';

/** The per-series methods (everything but `auto`, which picks one of these, and the global model). */
export function runMethod(method: AutoChoice, values: readonly number[], horizon: number, level: number, params: ForecastParams = {}): MethodForecast {
  const season = params.season ?? 7;
  switch (method) {
    case 'zero': {
      const zeros = new Array<number>(horizon).fill(0);
      return { method: 'zero', mean: zeros, lower: [...zeros], upper: [...zeros] };
    }
    case 'seasonal-naive':
      return seasonalNaiveForecast(values, horizon, level, season);
    case 'ets':
      return etsForecast(values, horizon, level);
    case 'mstl':
      return mstlForecast(values, horizon, level, season);
    case 'seasonal-ets':
      return seasonalEtsForecast(values, horizon, level, season);
    case 'croston':
    case 'sba':
    case 'tsb':
      return intermittentForecast(method, values, horizon, level, {
        ...(params.alpha !== undefined ? { alpha: params.alpha } : {}),
        ...(params.alphaProbability !== undefined ? { alphaProbability: params.alphaProbability } : {}),
        ...(params.seasonalProfile !== undefined ? { seasonalProfile: params.seasonalProfile } : {}),
        season,
      });
  }
}

/** Forecasts one series by a per-series spec (not the global models, which need all series at once). */
export function forecastOne(series: SeriesInput, spec: ForecastSpec): SeriesForecast {
  if (spec.kind === 'global-tfjs' || spec.kind === 'global-linear') throw new Error(`forecastOne: ${spec.kind} forecasts all series together; call forecastSeries`);
  const { pattern } = demandPattern(series.values);
  const method = spec.kind === 'auto' ? autoMethod(pattern, spec.params) : spec.kind;
  const f = runMethod(method, series.values, spec.horizon, spec.level, spec.params);
  return { id: series.id, method: f.method, pattern, mean: f.mean, lower: f.lower, upper: f.upper };
}
