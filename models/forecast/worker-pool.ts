/**
 * A small pool of worker threads for CPU-bound per-series fits: the wasm engines are
 * single-threaded, so the only way to use more than one core is more threads, each with its own
 * wasm instances. Work goes out in batches (one message per few dozen series, so messaging costs
 * little) to whichever worker is free.
 *
 * The worker script is found next to this file: `forecast-worker.js` in dist/, or the .ts source
 * when this file runs from TypeScript (vitest, tsx). Then the worker first registers tsx's loader
 * in its own thread: `execArgv: ['--import', 'tsx']` does not reach worker threads on Node 20.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './forecast-worker.js';
import type { ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';

function tsxApiUrl(): string {
  // import.meta.resolve is missing under some test runners; the package layout is the fallback.
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const root = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(join(root, 'dist', 'esm', 'api', 'index.mjs')).href;
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./forecast-worker.js', import.meta.url));
  const script = new URL('./forecast-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(code, { eval: true });
}

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
        const worker = startWorker();
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
