import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInputs } from '../cli/inputs.js';
import type { Config } from '../config/config.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import type { Source, SourceBatch } from '../ingest/source.js';
import { results } from '../testing/distributed.js';
import { ROOT, tempDir, testConfig, withStore } from '../testing/harness.js';
import { EmbeddedPipeline } from './embedded-pipeline.js';
import { jobProcessors } from './job-processors.js';

const MALFORMED = join(ROOT, 'fixtures/demo/malformed.jsonl');

/** A source that fails after its first batch, the way a poll fails when Odoo goes away mid-read. */
function failingAfterFirstBatch(source: Source): Source {
  return {
    id: source.id,
    name: source.name,
    async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
      for await (const batch of source.batches(resumeFrom)) {
        yield batch;
        throw new Error('injected source failure');
      }
    },
  };
}

describe('a standing pipeline (open … run … run … close), as the Odoo and Debezium loops use it', () => {
  it('restores once, keeps its state between runs, restores again after a failed run, and leaves every table as a new pipeline per run does', async () => {
    const dir = tempDir('standing-pipeline');
    await writeDataset({ seed: 4, days: 60, skus: 12, warehouses: 3, out: dir });
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
    const parts = [0, 1, 2].map((i) => {
      const path = join(dir, `part-${i}.jsonl`);
      writeFileSync(path, `${lines.slice(Math.floor((i * lines.length) / 3), Math.floor(((i + 1) * lines.length) / 3)).join('\n')}\n`);
      return path;
    });
    const inputs = [[parts[0]!, MALFORMED], [parts[1]!], [parts[2]!]];

    // The reference: a new pipeline for each run (what the loops did), each restoring from the store.
    const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 500, LEDGERLINE_COMMIT_MS: 20 });
    const reference = await withStore(join(dir, 'pipeline-per-run'), async (store) => {
      for (const input of inputs) await new EmbeddedPipeline(store, config, jobProcessors).run(await openInputs(input, config));
      return results(store);
    });

    let restores = 0;
    const counted = () => {
      restores++;
      return jobProcessors();
    };
    const standing = await withStore(join(dir, 'standing'), async (store) => {
      const pipeline = new EmbeddedPipeline(store, config, counted);
      await pipeline.open();
      expect(restores).toBe(1);
      await pipeline.run(await openInputs(inputs[0]!, config));
      await pipeline.run(await openInputs(inputs[1]!, config));
      expect(restores, 'runs after open use the state kept').toBe(1);
      const [third] = await openInputs(inputs[2]!, config);
      await expect(pipeline.run([failingAfterFirstBatch(third!)])).rejects.toThrow('injected source failure');
      const rerun = await pipeline.run(await openInputs(inputs[2]!, config));
      expect(restores, 'the run after a failure restores the state again').toBe(2);
      expect(rerun.events_logged, 'the failed run had logged part of the input').toBeLessThan(lines.length / 3 - 100);
      await pipeline.close();
      return results(store);
    });
    expect(standing).toEqual(reference);

    // On processor threads (not restored by this thread): the threads live from open to close.
    const threaded = async (c: Config) =>
      withStore(join(dir, 'standing-threads'), async (store) => {
        const pipeline = new EmbeddedPipeline(store, c);
        await pipeline.open();
        for (const input of inputs) await pipeline.run(await openInputs(input, c));
        await pipeline.close();
        return results(store);
      });
    expect(await threaded({ ...config, LEDGERLINE_PROCESSOR_THREADS: 2 })).toEqual(reference);
  }, 240_000);
});
