/**
 * `npm run bench:poll`: what a poll with nothing new costs on a large store (the Odoo and Debezium
 * loops poll every few seconds): a new pipeline per poll, which restores the processors' state from
 * the store each time, against a standing one (`EmbeddedPipeline.open`), restored once. The store is
 * the bench input (`npm run bench`'s ≈ 2.2M events) processed once into bench/out/poll-data (kept
 * for the next run). Prints one JSON line.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openInputs } from '../cli/inputs.js';
import { openStore } from '../cli/open-store.js';
import { loadConfig } from '../config/config.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { BENCH_INPUT_NAME, BENCH_OUT, benchEvents } from './bench-input.js';

const POLLS = 3;
const config = loadConfig();
const dataDir = join(BENCH_OUT, `poll-data-${BENCH_INPUT_NAME}`);
const processed = join(dataDir, 'processed');
const empty = join(BENCH_OUT, 'empty.jsonl');
writeFileSync(empty, '');

const ms = async (f: () => Promise<unknown>) => {
  const started = process.hrtime.bigint();
  await f();
  return Math.round(Number(process.hrtime.bigint() - started) / 1e6);
};

if (!existsSync(processed)) {
  rmSync(dataDir, { recursive: true, force: true });
  const input = await benchEvents();
  process.stderr.write(`bench:poll: processing ${input} into ${dataDir} (once; kept)\n`);
  const store = await openStore(config, dataDir);
  try {
    await new EmbeddedPipeline(store, config).run(await openInputs([input], config));
  } finally {
    await store.close();
  }
  writeFileSync(processed, '');
}

const store = await openStore(config, dataDir);
try {
  const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM events');
  const perPoll: number[] = [];
  for (let i = 0; i < POLLS; i++) perPoll.push(await ms(async () => new EmbeddedPipeline(store, config).run(await openInputs([empty], config))));
  const pipeline = new EmbeddedPipeline(store, config);
  const openMs = await ms(() => pipeline.open());
  const standing: number[] = [];
  for (let i = 0; i < POLLS; i++) standing.push(await ms(async () => pipeline.run(await openInputs([empty], config))));
  await pipeline.close();
  process.stdout.write(
    `${JSON.stringify({ events_in_store: row?.n, new_pipeline_poll_ms: perPoll, standing_open_ms: openMs, standing_poll_ms: standing })}\n`,
  );
} finally {
  await store.close();
}
