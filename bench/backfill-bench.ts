/**
 * `npm run bench:backfill`: historical backfill from mapped files into the bus, CSV and Arrow.
 *
 * The input is the generator's distributor (the pipeline bench's events, ≈ 2.25M events of every
 * type), written once as one wide CSV file (a `type` column picks each row's event type; dates in
 * Odoo's `YYYY-MM-DD HH:mm:ss`) and one Arrow IPC file (typed columns: timestamps, float64, bool,
 * utf8), each with its mapping file (cached in bench/out/). Timed: source → mapping → validation →
 * publish to the embedded bus, with a consumer that only counts (what the source side sustains; the
 * processors and the store are `npm run bench`'s subject). Each format runs in its own process, so
 * its peak RSS is its own. Prints one JSON line: rows, and per format rows/s, wall and CPU seconds
 * (CPU time includes the garbage collector's threads), peak RSS MB.
 * BENCH_DAYS / BENCH_SKUS / BENCH_WAREHOUSES change the input size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBus } from '../bus/embedded-bus.js';
import type { BusRecord } from '../bus/bus.js';
import { openInputs } from '../cli/inputs.js';
import { loadConfig } from '../config/config.js';
import { eventKeys } from '../events/keys.js';
import type { ErpEvent } from '../events/schema.js';
import { writeWideFiles, type WideFiles } from '../fixtures/backfill/wide-files.js';
import { decodeBatch } from '../ingest/decode.js';
import { BENCH_INPUT_NAME, BENCH_OUT, benchEvents } from './bench-input.js';

const DIR = join(BENCH_OUT, `backfill-${BENCH_INPUT_NAME}`);
const ARROW_BATCH_ROWS = 64 * 1024;

/** The CSV and Arrow files with their mappings (written once; cached). */
async function inputs(): Promise<WideFiles> {
  const files = { csv: join(DIR, 'events.csv'), arrow: join(DIR, 'events.arrow') };
  if (existsSync(files.csv) && existsSync(files.arrow)) return files;
  const source = await benchEvents();
  process.stderr.write(`bench: writing ${files.csv} and ${files.arrow} from ${source} (once; cached)\n`);
  return writeWideFiles(source, DIR, { arrowBatchRows: ARROW_BATCH_ROWS });
}

/** Source → validate → bus with a counting consumer; the child process's measurement. */
async function measure(path: string): Promise<{ rows: number; dead_letters: number; seconds: number; cpu_seconds: number; peak_rss_mb: number }> {
  const config = loadConfig();
  const keep = config.LEDGERLINE_DEAD_LETTER_RAW_BYTES;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const [source] = await openInputs([path], config);
  const bus = new EmbeddedBus<ErpEvent>(config.LEDGERLINE_BUS_PARTITIONS, config.LEDGERLINE_BUS_CAPACITY);
  let consumed = 0;
  const consumer = bus.consume(async (batch) => {
    consumed += batch.length;
  });
  let rows = 0;
  let deadLetters = 0;
  let offset = 0;
  for await (const batch of source!.batches()) {
    rows += batch.records.length;
    const decoded = decodeBatch(source!, batch, keep);
    deadLetters += decoded.deadLetters.length;
    if (deadLetters > 0 && deadLetters <= 3) process.stderr.write(`bench: dead letter: ${decoded.deadLetters[0]?.reason} ${decoded.deadLetters[0]?.raw.slice(0, 300)}\n`);
    const records: BusRecord<ErpEvent>[] = [];
    for (const { event } of decoded.events) {
      offset++;
      for (const key of eventKeys(event)) records.push({ key, partition: 0, offset, value: event });
    }
    await bus.publish(records);
  }
  bus.end();
  await consumer.done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  if (consumed === 0) throw new Error('nothing reached the bus');
  return { rows, dead_letters: deadLetters, seconds, cpu_seconds: (used.user + used.system) / 1e6, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const child = process.argv[2];
if (child) {
  process.stdout.write(`${JSON.stringify(await measure(child))}\n`);
} else {
  const files = await inputs();
  const result: Record<string, unknown> = {};
  for (const [format, path] of Object.entries(files)) {
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`bench: the ${format} run failed (exit ${run.status})`);
    const m = JSON.parse(run.stdout.trim().split('\n').pop()!) as Awaited<ReturnType<typeof measure>>;
    if (m.dead_letters > 0) throw new Error(`bench: the ${format} input produced ${m.dead_letters} dead letters`);
    result.rows ??= m.rows;
    // CPU seconds next to wall seconds: on a shared machine their gap is the time other processes took.
    result[format] = { rows_per_s: Math.round(m.rows / m.seconds), seconds: Math.round(m.seconds * 100) / 100, cpu_seconds: Math.round(m.cpu_seconds * 100) / 100, peak_rss_mb: m.peak_rss_mb };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
