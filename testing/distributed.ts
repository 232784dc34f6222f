/** Test support for the distributed mode: a real broker, unique topics, and what a run leaves behind. */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../bus/kafka-bus.js';
import { KPIS } from '../kpis/catalogue.js';
import { kpiSettings } from '../kpis/kpi.js';
import { queryKpi } from '../store/kpi-query.js';
import { queryLedger } from '../store/ledger-query.js';
import type { Store } from '../store/store.js';
import { outputFingerprints, testConfig } from './harness.js';

/** The broker of the server suites (CI starts one); the suites skip without it unless CI asks for servers. */
export function testBrokers(suite: string): string[] | undefined {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers && process.env.TEST_REQUIRE_SERVERS) throw new Error('TEST_REQUIRE_SERVERS is set but TEST_KAFKA_BROKERS is not');
  if (!brokers) console.warn(`${suite}: skipped; run \`scripts/kafka-local.sh start\`, then TEST_KAFKA_BROKERS=127.0.0.1:9092 npm test`);
  return brokers?.split(',');
}

/** A name no other run uses (topics and groups of a test). */
export const uniqueName = (what: string) => `${what}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export function connectBus(brokers: string[], topicPrefix: string): Promise<KafkaBus> {
  return KafkaBus.connect({ brokers, clientId: 'ledgerline-test', topicPrefix, partitions: testConfig().LEDGERLINE_BUS_PARTITIONS, replication: 1 });
}

export async function until(what: string, done: () => Promise<boolean> | boolean, ms = 120_000, pollMs = 200): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** What a user reads: the output tables (without positions), the ledger and every KPI. */
export async function results(store: Store) {
  const settings = kpiSettings(testConfig());
  const kpis: Record<string, unknown> = {};
  for (const name of KPIS.keys()) kpis[name] = await queryKpi(store, { name }, settings);
  return { tables: await outputFingerprints(store), ledger: await queryLedger(store), kpis };
}

/** Everything on a dead-letter topic: [raw line, reason]. */
export async function readDeadLetters(brokers: string[], topic: string, expected: number): Promise<Array<[string, string]>> {
  const kafka = new Kafka({ clientId: 'ledgerline-test-reader', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
  const letters: Array<[string, string]> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void letters.push([message.value!.toString(), message.headers!.reason!.toString()]) });
    await until(`${expected} dead letters`, () => letters.length >= expected, 60_000);
    // Anything beyond what was expected would arrive right after.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await consumer.disconnect();
  }
  return letters;
}
