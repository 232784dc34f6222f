import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInputs } from '../cli/inputs.js';
import { loadConfig } from '../config/config.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { results } from '../testing/distributed.js';
import { ROOT, tempDir, testConfig, withStore } from '../testing/harness.js';
import { EmbeddedPipeline } from './embedded-pipeline.js';
import { processorThreads } from './processor-threads.js';

const MALFORMED = join(ROOT, 'fixtures/demo/malformed.jsonl');

describe('processors on worker threads', () => {
  it('leave every table as the processors in one thread do, also when a second run restores their state', async () => {
    const dir = tempDir('processor-threads');
    await writeDataset({ seed: 2, days: 60, skus: 15, warehouses: 3, out: dir });
    // Two runs over two halves: the second restores each thread's partitions from the store.
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
    const half = Math.floor(lines.length / 2);
    writeFileSync(join(dir, 'first.jsonl'), `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(join(dir, 'second.jsonl'), `${lines.slice(half).join('\n')}\n`);

    const outcome = async (threads: number) =>
      withStore(join(dir, `threads-${threads}`), async (store) => {
        const config = testConfig({ LEDGERLINE_PROCESSOR_THREADS: threads, LEDGERLINE_COMMIT_MS: 50 });
        await new EmbeddedPipeline(store, config).run(await openInputs([join(dir, 'first.jsonl'), MALFORMED], config));
        const second = await new EmbeddedPipeline(store, config).run(await openInputs([join(dir, 'second.jsonl')], config));
        expect(second.events_logged).toBeGreaterThan(1000);
        return results(store);
      });
    const inThisThread = await outcome(0);
    expect(await outcome(3)).toEqual(inThisThread);
    expect(await outcome(1)).toEqual(inThisThread);
  }, 180_000);

  it('fail the run with the thread’s cause when a processor thread fails, instead of hanging', async () => {
    const dir = tempDir('processor-threads-failure');
    await withStore(join(dir, 'data'), async (store) => {
      // The ledger restores from and writes to this table: its thread fails on the first read.
      await store.command('DROP TABLE ledger_movements');
      const config = testConfig({ LEDGERLINE_PROCESSOR_THREADS: 2 });
      const run = new EmbeddedPipeline(store, config).run(await openInputs([join(ROOT, 'fixtures/demo/events.jsonl')], config));
      await expect(run).rejects.toThrow(/processor thread \d failed: .*ledger_movements/s);
    });
  }, 60_000);

  it('are none by default on two cores, and leave a core to ingest and one to the engine on more', () => {
    expect(testConfig().LEDGERLINE_PROCESSOR_THREADS).toBe('auto');
    expect([1, 2, 3, 4, 8, 64].map((cores) => processorThreads('auto', cores))).toEqual([0, 0, 1, 2, 4, 4]);
    expect(processorThreads(3, 2)).toBe(3);
    expect(loadConfig({ LEDGERLINE_PROCESSOR_THREADS: '3' }).LEDGERLINE_PROCESSOR_THREADS).toBe(3);
    expect(() => loadConfig({ LEDGERLINE_PROCESSOR_THREADS: 'many' })).toThrow(/LEDGERLINE_PROCESSOR_THREADS="many"/);
  });
});
