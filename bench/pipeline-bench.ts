/**
 * `npm run bench`: the embedded pipeline against the raw floor on the same file, in one run.
 *
 * - floor: read the file in 4 MiB chunks, split lines, JSON.parse each (nothing else) — what any
 *   JSONL consumer must pay; best of three runs;
 * - pipeline: the same file through `ledgerline run` in-process (validate, dedupe, event log, bus,
 *   ledger, chDB store, checkpoints) into a fresh data directory.
 * Prints one JSON line: events, floor and pipeline events/s, their ratio, peak RSS.
 * BENCH_DAYS / BENCH_SKUS / BENCH_WAREHOUSES change the input size (default ≈ 2.3M events).
 */
import { rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { openInputs } from '../cli/inputs.js';
import { openStore } from '../cli/open-store.js';
import { loadConfig } from '../config/config.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { BENCH_OUT, benchEvents } from './bench-input.js';

async function floor(path: string): Promise<{ events: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const fh = await open(path, 'r');
  const chunk = Buffer.allocUnsafe(4 << 20);
  let carry = '';
  let events = 0;
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    const text = carry + chunk.toString('utf8', 0, bytesRead);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl));
        events++;
      }
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry.trim()) {
    JSON.parse(carry);
    events++;
  }
  await fh.close();
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function pipeline(path: string): Promise<{ events: number; seconds: number }> {
  const dataDir = join(BENCH_OUT, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfig();
  const store = await openStore(config, dataDir);
  try {
    const sources = await openInputs([path], config);
    const started = process.hrtime.bigint();
    const summary = await new EmbeddedPipeline(store, config).run(sources);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (summary.dead_lettered > 0) throw new Error(`bench input produced ${summary.dead_lettered} dead letters`);
    return { events: summary.events_read, seconds };
  } finally {
    await store.close();
  }
}

const path = await benchEvents();
// The floor is the best of three runs: a slow run (the machine is shared) would flatter the ratio.
const floors = [await floor(path), await floor(path), await floor(path)];
const raw = floors.reduce((best, f) => (f.seconds < best.seconds ? f : best));
const full = await pipeline(path);
if (raw.events !== full.events) throw new Error(`floor read ${raw.events} events, pipeline ${full.events}`);
const floorRate = raw.events / raw.seconds;
const pipelineRate = full.events / full.seconds;
process.stdout.write(
  `${JSON.stringify({
    events: raw.events,
    floor_events_per_s: Math.round(floorRate),
    pipeline_events_per_s: Math.round(pipelineRate),
    ratio: Math.round((pipelineRate / floorRate) * 1000) / 1000,
    floor_seconds: Math.round(raw.seconds * 100) / 100,
    pipeline_seconds: Math.round(full.seconds * 100) / 100,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
