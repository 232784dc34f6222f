import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaBus, type SubscriptionHandlers } from '../bus/kafka-bus.js';
import { partitionOf } from '../bus/partitioner.js';
import type { Processor } from '../processors/processor.js';
import { eventKeys } from '../events/keys.js';
import { goodEvents } from '../fixtures/malformed.js';
import { openInputs } from '../cli/inputs.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { results, testBrokers, until } from '../testing/distributed.js';
import { runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';
import { jobProcessors } from './job-processors.js';
import { ingestToKafka } from './kafka-ingest.js';
import { KafkaProcessing } from './kafka-processing.js';

const BROKERS = testBrokers('runtime/kafka-processing.test.ts');

describe('a processor instance given a partition', () => {
  it('applies no record its restored state already holds (a commit racing the assignment can make the consumer fetch from below it)', async () => {
    const applied: number[] = [];
    const counting: Processor = { name: 'counting', apply: (r) => void applied.push(r.offset), flush: () => {}, restore: async () => {} };
    let handlers: SubscriptionHandlers | undefined;
    // The bus as the instance uses it, without a broker: the test plays the group.
    const bus = {
      eventsTopic: 'erp.events',
      partitionOf: (key: string) => partitionOf(key, 4),
      subscribe: async (_group: string, h: SubscriptionHandlers) => {
        handlers = h;
        return { partitions: [0, 1, 2, 3], commit: async () => true, close: async () => {} };
      },
      publishDeadLetters: async () => {},
    } as unknown as KafkaBus;
    await withStore(join(tempDir('kafka-restored-to'), 'data'), async (store) => {
      const member = new KafkaProcessing(store, bus, () => [counting], 60_000);
      await member.start('g');
      const [event] = goodEvents(1);
      const key = eventKeys(event!)[0]!;
      const partition = partitionOf(key, 4);
      const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ key, partition, offset: from + i, value: JSON.stringify(event) }));
      // State restored as of offset 5, records fetched from 3: 3–5 are in the state already.
      await handlers!.assigned([partition], new Map([[partition, 5]]));
      await handlers!.batch(records(3, 8));
      await handlers!.batch(records(9, 10));
      await member.stop();
      expect(applied).toEqual([6, 7, 8, 9, 10]);
    });
  });
});

describe.skipIf(!BROKERS)('distributed mode on a real broker', () => {
  it('gives for generator seed 1 through Kafka, with two processor members, the tables of the embedded run', async () => {
    const dir = tempDir('kafka-seed1');
    await writeDataset({ seed: 1, days: 40, skus: 12, warehouses: 3, out: dir });
    const input = join(dir, 'events.jsonl');
    const embedded = await withStore(join(dir, 'embedded'), async (store) => {
      await runInputs(store, testConfig(), [input]);
      return results(store);
    });
    expect(embedded.tables.ledger_movements!.rows).toBeGreaterThan(100);

    const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 2_000 });
    const run = `seed1-${process.pid}-${Date.now().toString(36)}`;
    const bus = await KafkaBus.connect({ brokers: BROKERS!, clientId: 'ledgerline-test', topicPrefix: run, partitions: config.LEDGERLINE_BUS_PARTITIONS, replication: 1 });
    try {
      const distributed = await withStore(join(dir, 'kafka'), async (store) => {
        const ingest = await ingestToKafka(await openInputs([input], config), bus, store, config);
        expect(ingest.dead_lettered).toBe(0);
        const members = [new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS), new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS)];
        for (const m of members) await m.start(`${run}-processors`);
        try {
          await until('the group to commit every record', async () => (await bus.lag(`${run}-processors`)) === 0);
        } finally {
          for (const m of members) await m.stop();
        }
        expect(members.map((m) => m.failed)).toEqual([undefined, undefined]);
        expect(members.reduce((n, m) => n + m.summary.processed, 0)).toBeGreaterThanOrEqual(ingest.published);
        return results(store);
      });
      expect(distributed.tables).toEqual(embedded.tables);
      expect(distributed.ledger).toEqual(embedded.ledger);
      expect(distributed.kpis).toEqual(embedded.kpis);
    } finally {
      await bus.close();
    }
  }, 180_000);

  it('stores what is no event at the topic in the dead_letters table too, before committing its offset', async () => {
    const dir = tempDir('kafka-edge-dead-letters');
    const config = testConfig();
    const run = `edge-${process.pid}-${Date.now().toString(36)}`;
    const bus = await KafkaBus.connect({ brokers: BROKERS!, clientId: 'ledgerline-test', topicPrefix: run, partitions: config.LEDGERLINE_BUS_PARTITIONS, replication: 1 });
    try {
      const [good, misplaced] = goodEvents(2);
      const wrongKey = eventKeys(good!)[0]!.replace(/@.*$/, '@NOWHERE');
      // Another producer than ingest wrote these: not JSON, not an event, an event under another key.
      await bus.publish([
        { key: eventKeys(good!)[0]!, value: JSON.stringify(good) },
        { key: 'SKU-1@WH1', value: '{"truncated": ' },
        { key: 'SKU-1@WH1', value: JSON.stringify({ type: 'no_such_type' }) },
        { key: wrongKey, value: JSON.stringify(misplaced) },
      ]);
      const letters = await withStore(join(dir, 'data'), async (store) => {
        const member = new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS);
        await member.start(`${run}-processors`);
        try {
          await until('the group to commit every record', async () => (await bus.lag(`${run}-processors`)) === 0);
        } finally {
          await member.stop();
        }
        expect(member.summary.dead_lettered).toBe(3);
        return store.query<{ source_id: string; reason: string }>('SELECT source_id, reason FROM dead_letters FINAL ORDER BY reason');
      });
      expect(letters).toHaveLength(3);
      const reasons = letters.map((l) => l.reason).join('\n');
      expect(reasons).toMatch(/not JSON/);
      expect(reasons).toMatch(/no_such_type/);
      expect(reasons).toMatch(/key ".*@NOWHERE" on partition \d+ is not where this event belongs/);
      expect(new Set(letters.map((l) => l.source_id.replace(/\/\d+$/, '')))).toEqual(new Set([bus.eventsTopic]));
    } finally {
      await bus.close();
    }
  }, 120_000);
});
