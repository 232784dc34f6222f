/** A forecasting worker thread (see worker-pool.ts): fits the batches of series it is sent. */
import { parentPort } from 'node:worker_threads';
import { forecastOne } from './forecast-one.js';
import type { ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';

export interface WorkerRequest {
  /** Index of the batch's first series in the caller's array. */
  start: number;
  spec: ForecastSpec;
  series: SeriesInput[];
}

export type WorkerReply = { start: number; results: SeriesForecast[] } | { start: number; error: string };

// Only listen when started as a worker: imported anywhere else (there is no parent port) it does nothing.
parentPort?.on('message', (request: WorkerRequest) => {
  let id = '';
  try {
    const results = request.series.map((s) => {
      id = s.id;
      return forecastOne(s, request.spec);
    });
    parentPort!.postMessage({ start: request.start, results } satisfies WorkerReply);
  } catch (e) {
    parentPort!.postMessage({ start: request.start, error: `series "${id}": ${(e as Error).message}` } satisfies WorkerReply);
  }
});
