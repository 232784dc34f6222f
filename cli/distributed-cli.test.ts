import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testBrokers } from '../testing/distributed.js';
import { ROOT, runCli, tempDir } from '../testing/harness.js';

const BROKERS = testBrokers('cli/distributed-cli.test.ts');

const DEMO = [join(ROOT, 'fixtures/demo/events.jsonl'), join(ROOT, 'fixtures/demo/malformed.jsonl')];

describe.skipIf(!BROKERS)('ledgerline ingest / process / kpi on a real broker', () => {
  it('publishes the demo (bad lines to the dead-letter topic), drains it with a processor, and answers like the embedded run', async () => {
    const dir = tempDir('distributed-cli');
    const env = { LEDGERLINE_KAFKA_BROKERS: BROKERS!.join(','), LEDGERLINE_KAFKA_TOPIC_PREFIX: `cli-${process.pid}-${Date.now().toString(36)}`, LEDGERLINE_DATA_DIR: join(dir, 'kafka') };
    const ingest = await runCli(['ingest', '--input', ...DEMO], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    const published = JSON.parse(ingest.stdout) as { events_read: number; published: number; dead_lettered: number; topic: string };
    expect(published).toMatchObject({ events_read: 13_267, dead_lettered: 15, topic: `${env.LEDGERLINE_KAFKA_TOPIC_PREFIX}.events` });

    const processed = await runCli(['process', '--drain'], env);
    expect(processed.code, processed.stderr).toBe(0);
    const summary = JSON.parse(processed.stdout) as { processed: number; dead_lettered: number };
    expect(summary.dead_lettered).toBe(0);
    expect(summary.processed).toBeGreaterThanOrEqual(published.published); // more if a rebalance replayed some

    expect((await runCli(['run', '--once', '--input', ...DEMO, '--data-dir', join(dir, 'embedded')])).code).toBe(0);
    // The dead letters are in the store too (the data-quality KPI and the dead-letter surge alert read them there).
    const letters = ['sql', 'SELECT source_id, source_name, position, reason, raw_sha256 FROM dead_letters FINAL ORDER BY source_id, position'];
    for (const args of [['kpi', 'otif_line', '--by', 'warehouse', '--grain', 'week'], ['ledger', '--warehouse', 'WH2'], letters]) {
      const distributed = await runCli(args, env);
      const embedded = await runCli([...args, '--data-dir', join(dir, 'embedded')]);
      expect(distributed.code, distributed.stderr).toBe(0);
      expect(distributed.stdout.length).toBeGreaterThan(100);
      expect(distributed.stdout).toEqual(embedded.stdout);
      if (args === letters) expect(distributed.stdout.trim().split('\n')).toHaveLength(15);
    }
  }, 180_000);

  it('names the brokers when none answers', async () => {
    const result = await runCli(['process', '--drain'], { LEDGERLINE_KAFKA_BROKERS: '127.0.0.1:1', LEDGERLINE_DATA_DIR: tempDir('no-broker') });
    expect([result.code, result.stderr]).toEqual([1, expect.stringMatching(/^ledgerline: cannot reach Kafka at 127\.0\.0\.1:1: .*LEDGERLINE_KAFKA_BROKERS/)]);
  }, 120_000);
});
