/**
 * Starts a worker thread from a module next to the caller: `name.js` in dist/, or `name.ts` when the
 * caller runs from TypeScript (vitest, tsx). Then the worker first registers tsx's loader in its own
 * thread: `execArgv: ['--import', 'tsx']` does not reach worker threads on Node 20.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

function tsxApiUrl(): string {
  // import.meta.resolve is missing under some test runners; the package layout is the fallback.
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const root = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(join(root, 'dist', 'esm', 'api', 'index.mjs')).href;
}

/** `callerUrl`: the caller's `import.meta.url`; `name`: the worker module's file name without extension. */
export function startWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const script = new URL(`./${name}.ts`, callerUrl).href;
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(code, { ...options, eval: true });
}
