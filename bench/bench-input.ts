import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDataset } from '../ingest/generator/write-dataset.js';

/** Where the benchmarks keep their inputs and data (git-ignored). */
export const BENCH_OUT = fileURLToPath(new URL('../../bench/out/', import.meta.url));

/** The fixed generator input of `npm run bench` and `bench:backfill` (≈ 2.2M events); BENCH_DAYS / BENCH_SKUS / BENCH_WAREHOUSES change its size. */
export const BENCH_INPUT = {
  seed: 7,
  days: Number(process.env.BENCH_DAYS ?? 365),
  skus: Number(process.env.BENCH_SKUS ?? 1000),
  warehouses: Number(process.env.BENCH_WAREHOUSES ?? 4),
};

export const BENCH_INPUT_NAME = `${BENCH_INPUT.seed}-${BENCH_INPUT.days}-${BENCH_INPUT.skus}-${BENCH_INPUT.warehouses}`;

/** The input's events.jsonl, generated once and then reused. */
export async function benchEvents(): Promise<string> {
  const dir = join(BENCH_OUT, `input-${BENCH_INPUT_NAME}`);
  if (!existsSync(join(dir, 'truth', 'summary.json'))) {
    process.stderr.write(`bench: generating ${JSON.stringify(BENCH_INPUT)} into ${dir} (once; cached)\n`);
    await writeDataset({ ...BENCH_INPUT, out: dir });
  }
  return join(dir, 'events.jsonl');
}
