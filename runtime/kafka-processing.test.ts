import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaBus } from '../bus/kafka-bus.js';
import { openInputs } from '../cli/inputs.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { KPIS } from '../kpis/catalogue.js';
import { kpiSettings } from '../kpis/kpi.js';
import { queryKpi } from '../store/kpi-query.js';
import { queryLedger } from '../store/ledger-query.js';
import type { Store } from '../store/store.js';
import { outputFingerprints, runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';
import { jobProcessors } from './embedded-pipeline.js';
import { ingestToKafka } from './kafka-ingest.js';
import { KafkaProcessing } from './kafka-processing.js';

/** Against a real broker (see bus/kafka-bus.test.ts for how to run it). */
const BROKERS = process.env.TEST_KAFKA_BROKERS;
if (!BROKERS && process.env.TEST_REQUIRE_SERVERS) throw new Error('TEST_REQUIRE_SERVERS is set but TEST_KAFKA_BROKERS is not');
if (!BROKERS) console.warn('runtime/kafka-processing.test.ts: skipped; run `scripts/kafka-local.sh start`, then TEST_KAFKA_BROKERS=127.0.0.1:9092 npm test');

const until = async (what: string, done: () => Promise<boolean>, ms = 120_000) => {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

/** What a user reads: the output tables (without positions), the ledger and every KPI. */
async function results(store: Store) {
  const settings = kpiSettings(testConfig());
  const kpis: Record<string, unknown> = {};
  for (const name of KPIS.keys()) kpis[name] = await queryKpi(store, { name }, settings);
  return { tables: await outputFingerprints(store), ledger: await queryLedger(store), kpis };
}

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
    const bus = await KafkaBus.connect({ brokers: BROKERS!.split(','), clientId: 'ledgerline-test', topicPrefix: run, partitions: config.LEDGERLINE_BUS_PARTITIONS, replication: 1 });
    try {
      const distributed = await withStore(join(dir, 'kafka'), async (store) => {
        const ingest = await ingestToKafka(await openInputs([input], config), bus, store, config);
        expect(ingest.dead_lettered).toBe(0);
        const members = [new KafkaProcessing(store, bus, jobProcessors), new KafkaProcessing(store, bus, jobProcessors)];
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
});
