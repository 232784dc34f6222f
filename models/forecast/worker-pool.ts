/**
 * A small pool of worker threads for CPU-bound per-series fits: the wasm engines are
 * single-threaded, so the only way to use more than one core is more threads, each with its own
 * wasm instances. Work goes out in batches (one message per few dozen series, so messaging costs
 * little) to whichever worker is free.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../runtime/start-worker.js';
import type { WorkerReply, WorkerRequest } from './forecast-worker.js';
import type { ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';

export interface PoolOptions {
  workers: number;
  /** Series per message. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Forecasts every series on `workers` threads; results in input order. Rejects with the first failure. */
export async function forecastInWorkers(series: readonly SeriesInput[], spec: ForecastSpec, options: PoolOptions): Promise<SeriesForecast[]> {
  const total = series.length;
  const batchSize = options.batchSize ?? Math.max(1, Math.min(100, Math.ceil(total / (options.workers * 8))));
  const results = new Array<SeriesForecast | undefined>(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let busy = 0;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const dispatch = (worker: Worker) => {
        if (failed) return;
        if (next >= total) {
          if (busy === 0) resolve();
          return;
        }
        const start = next;
        next = Math.min(total, next + batchSize);
        busy++;
        const request: WorkerRequest = { start, spec, series: series.slice(start, next) };
        worker.postMessage(request);
      };
      const count = Math.max(1, Math.min(options.workers, Math.ceil(total / batchSize)));
      for (let i = 0; i < count; i++) {
        const worker = startWorker(import.meta.url, 'forecast-worker');
        workers.push(worker);
        worker.on('message', (reply: WorkerReply) => {
          busy--;
          if ('error' in reply) return fail(new Error(reply.error));
          reply.results.forEach((r, i) => (results[reply.start + i] = r));
          done += reply.results.length;
          options.onProgress?.(done, total);
          dispatch(worker);
        });
        worker.on('error', (e) => fail(new Error(`forecast worker failed: ${e.message}`)));
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`forecast worker exited with code ${code} before finishing`));
        });
        dispatch(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results as SeriesForecast[];
}
