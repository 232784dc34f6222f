import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openInputs } from '../cli/inputs.js';
import { writeWideFiles } from '../fixtures/backfill/wide-files.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { jobProcessors } from '../runtime/job-processors.js';
import { Checkpoints } from '../store/checkpoints.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { tableFingerprints, tempDir, testConfig, withStore } from '../testing/harness.js';
import { writeDataset } from './generator/write-dataset.js';
import type { Source, SourceBatch } from './source.js';

/**
 * A backfill stopped midway and restarted continues from its checkpointed position and ends with
 * the same event log, dead letters and outputs as one clean run — also when the checkpoint lags
 * behind the log (a crash between the two writes), where the rows read again are duplicates by
 * their deterministic event ids.
 */
// Small log writes: a checkpoint every 500 events, so that stopping midway leaves several.
const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 500 });
let inputs: { name: string; path: string }[];

beforeAll(async () => {
  const dir = tempDir('backfill-resume');
  await writeDataset({ seed: 5, days: 120, skus: 20, warehouses: 2, out: dir });
  const jsonl = join(dir, 'events.jsonl');
  const file = await writeWideFiles(jsonl, join(dir, 'file'), { arrowBatchRows: 2000 });
  const stream = await writeWideFiles(jsonl, join(dir, 'stream'), { arrowBatchRows: 2000, arrowFormat: 'stream' });
  // A few rows the mapping rejects (a quantity that is not a number, an impossible date), for the dead letters.
  const lines = readFileSync(file.csv, 'utf8').split('\n');
  const header = lines[0]!.split(',');
  const moveRow = (after: number) => lines.findIndex((line, i) => i > after && line.split(',')[header.indexOf('type')] === 'stock_move');
  for (const [row, column, value] of [[moveRow(40), 'qty', 'lots'], [moveRow(1500), 'occurred_at', '2025-02-30 10:00:00']] as const) {
    const cells = lines[row]!.split(',');
    cells[header.indexOf(column)] = value;
    lines[row] = cells.join(',');
  }
  writeFileSync(file.csv, lines.join('\n'));
  inputs = [
    { name: 'CSV', path: file.csv },
    { name: 'Arrow file', path: file.arrow },
    { name: 'Arrow stream', path: stream.arrow },
  ];
}, 120_000);

/** The source as it is, but ending after `batches` batches (a run stopped midway); keeps each batch's resume position. */
function stoppedAfter(source: Source, batches: number, positions: (() => Promise<string>)[]): Source {
  return {
    id: source.id,
    name: source.name,
    async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
      let n = 0;
      for await (const batch of source.batches(resumeFrom)) {
        positions.push(batch.resumeFrom);
        yield batch;
        if (++n === batches) return;
      }
    },
  };
}

/**
 * Every table as `tableFingerprints` sees it, but the log without `ingested_at` (arrival time: a
 * mapped row's event carries it in its payload, and a second run arrives later) and no checkpoints.
 */
async function fingerprints(store: ChdbStore) {
  const { checkpoints: _c, events: _e, ...tables } = await tableFingerprints(store);
  const [log] = await store.query<{ rows: number; hash: string }>(
    `SELECT count() AS rows, toString(sum(cityHash64(log_offset, event_id, source_id, position, occurred_at, replaceRegexpOne(payload, '"ingested_at":"[^"]*"', '')))) AS hash FROM events`,
  );
  return { ...tables, events: log };
}

describe('mapped file backfills: stop, resume, same result', () => {
  for (const index of [0, 1, 2]) {
    it(`${['CSV', 'Arrow file', 'Arrow stream'][index]}: a run stopped midway, restarted from a lagging checkpoint, equals one clean run`, async () => {
      const { path } = inputs[index]!;
      const clean = await withStore(tempDir('backfill-clean'), async (store) => {
        const summary = await new EmbeddedPipeline(store, config, jobProcessors).run(await openInputs([path], config));
        return { summary, tables: await fingerprints(store) };
      });
      expect(clean.summary.events_logged).toBeGreaterThan(2000);
      if (index === 0) expect(clean.summary.dead_lettered).toBe(2);

      const resumed = await withStore(tempDir('backfill-stopped'), async (store) => {
        const [source] = await openInputs([path], config);
        const positions: (() => Promise<string>)[] = [];
        const first = await new EmbeddedPipeline(store, config, jobProcessors).run([stoppedAfter(source!, 6, positions)]);
        expect(first.events_read).toBe(6000);
        // As after a crash between the log write and the checkpoint: the position of batch 3 of 6
        // (for Arrow, in the middle of the second record batch of 2000 rows).
        await new Checkpoints(store).set(new Map([[`source/${source!.id}`, await positions[2]!()]]));
        const [again] = await openInputs([path], config);
        const second = await new EmbeddedPipeline(store, config, jobProcessors).run([again!]);
        return { first, second, tables: await fingerprints(store) };
      });
      // The restart read from row 3001, not from the start: rows 3001–6000 again (duplicates), then the rest.
      expect(resumed.second.events_read).toBe(clean.summary.events_read - 3000);
      // (The generator's input holds duplicates of its own: the clean run's.)
      expect(resumed.first.duplicates + resumed.second.duplicates).toBe(clean.summary.duplicates + 3000);
      expect(resumed.first.events_logged + resumed.second.events_logged).toBe(clean.summary.events_logged);
      expect(resumed.tables).toEqual(clean.tables);
    }, 180_000);
  }
});
