/**
 * The forecasting entry point: many daily series, one spec, a forecast with intervals per series.
 * Per-series methods fit on worker threads when there are enough series to pay for starting them
 * (a worker costs ~100 ms to start, more from TypeScript); the global models train once over all
 * series in this thread.
 */
import { availableParallelism } from 'node:os';
import { forecastOne } from './forecast-one.js';
import { checkSeries, parseForecastSpec, type ForecastSpec, type SeriesForecast, type SeriesInput } from './spec.js';
import { forecastInWorkers } from './worker-pool.js';

export interface ForecastOptions {
  /** Worker threads (default: the machine's cores, at most 8); 0 or 1 fits in this thread. */
  workers?: number;
  /** Below this many series everything runs in this thread (default 200). */
  minSeriesForWorkers?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function forecastSeries(series: readonly SeriesInput[], spec: ForecastSpec, options: ForecastOptions = {}): Promise<SeriesForecast[]> {
  const checked = parseForecastSpec(spec);
  checkSeries(series);
  if (series.length === 0) return [];
  if (checked.kind === 'global-tfjs' || checked.kind === 'global-linear') {
    // Loaded on demand: tfjs is large and most callers never need it.
    const forecasts = checked.kind === 'global-tfjs' ? await (await import('./global-model.js')).forecastGlobal(series, checked) : (await import('./global-linear.js')).forecastGlobalLinear(series, checked);
    options.onProgress?.(series.length, series.length);
    return forecasts;
  }
  const workers = options.workers ?? Math.min(8, availableParallelism());
  if (workers > 1 && series.length >= (options.minSeriesForWorkers ?? 200)) {
    return forecastInWorkers(series, checked, { workers, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  }
  const results: SeriesForecast[] = [];
  for (const s of series) {
    results.push(forecastOne(s, checked));
    options.onProgress?.(results.length, series.length);
  }
  return results;
}
