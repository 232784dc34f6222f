import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaBus } from '../bus/kafka-bus.js';
import { openInputs } from '../cli/inputs.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { ClickHouseStore, type ClickHouseStoreOptions } from '../store/clickhouse-store.js';
import { migrate } from '../store/migrate.js';
import type { Store } from '../store/store.js';
import { connectBus, readDeadLetters, results, testBrokers, uniqueName, until } from '../testing/distributed.js';
import { ROOT, runCli, runInputs, startCli, tempDir, testConfig, withStore } from '../testing/harness.js';
import { jobProcessors } from './job-processors.js';
import { ingestToKafka } from './kafka-ingest.js';
import { KafkaProcessing } from './kafka-processing.js';

/**
 * The distributed mode under faults, on a real broker: after each, every table equals one clean
 * (embedded) run, nothing lost or doubled, and the dead-letter topic holds exactly the bad input.
 */
const BROKERS = testBrokers('runtime/kafka-faults.test.ts');
const MALFORMED = join(ROOT, 'fixtures/demo/malformed.jsonl');
/** Commits every 100 ms: a fault lands between two commits, mid-stream. */
const config = testConfig({ LEDGERLINE_COMMIT_MS: 100, LEDGERLINE_BATCH_EVENTS: 5_000 });

let dir: string;
let inputs: string[];
let clean: Awaited<ReturnType<typeof results>>;
/** The bad lines of the input as the embedded run dead-lettered them: [raw, reason]. */
let badLines: Array<[string, string]>;

/**
 * Publishes the input (each test to its own topics) at a pace the processors outrun (60 ms per 1000 records: leeway for a loaded machine), so that a fault
 * can land while most of it is still to come; resolves with the number of records.
 */
async function publish(bus: KafkaBus, store: Store): Promise<number> {
  const paced: Pick<KafkaBus, 'eventsTopic' | 'publish' | 'publishDeadLetters'> = {
    eventsTopic: bus.eventsTopic,
    publish: async (records) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await bus.publish(records);
    },
    publishDeadLetters: (letters) => bus.publishDeadLetters(letters),
  };
  const summary = await ingestToKafka(await openInputs(inputs, config), paced, store, config);
  expect(summary.dead_lettered).toBe(badLines.length);
  return summary.published;
}

/** Starts publishing, and resolves once the group has committed some of it while the rest is still being published. */
async function publishUntilMidStream(bus: KafkaBus, store: Store, group: string): Promise<Promise<number>> {
  let done = false;
  const publishing = publish(bus, store).finally(() => (done = true));
  await until('a first commit', async () => done || (await bus.progress(group)).committed >= 5_000, 60_000, 20);
  expect(done, 'the input was all published before a fault could land mid-stream').toBe(false);
  return publishing;
}

async function expectCleanRun(store: Store, bus: KafkaBus, brokers = BROKERS!): Promise<void> {
  expect(await results(store)).toEqual(clean);
  const letters = await readDeadLetters(brokers, bus.deadLetterTopic, badLines.length);
  expect(letters.sort()).toEqual([...badLines].sort());
}

describe.skipIf(!BROKERS)('distributed mode under faults', () => {
  beforeAll(async () => {
    dir = tempDir('kafka-faults');
    await writeDataset({ seed: 2, days: 240, skus: 60, warehouses: 3, out: dir });
    inputs = [join(dir, 'events.jsonl'), MALFORMED];
    [clean, badLines] = await withStore(join(dir, 'clean'), async (store) => {
      await runInputs(store, testConfig(), inputs);
      const letters = await store.query<{ raw: string; reason: string }>('SELECT raw, reason FROM dead_letters ORDER BY position');
      return [await results(store), letters.map((l) => [l.raw, l.reason] as [string, string])];
    });
    expect(badLines.length).toBe(15);
  }, 180_000);

  it('a processor killed with SIGKILL mid-stream and started again', async () => {
    const prefix = uniqueName('sigkill');
    const env = { LEDGERLINE_KAFKA_BROKERS: BROKERS!.join(','), LEDGERLINE_KAFKA_TOPIC_PREFIX: prefix, LEDGERLINE_DATA_DIR: join(dir, prefix), LEDGERLINE_COMMIT_MS: '100' };
    const bus = await connectBus(BROKERS!, prefix);
    const child = startCli(['process'], env);
    let log = '';
    child.stderr!.on('data', (d) => (log += d));
    try {
      await until('the processor to start', () => log.includes('as a member of group'), 60_000);
      // Published from here (the processor holds its data directory): this store keeps only the source position.
      await withStore(join(dir, `${prefix}-ingest`), async (store) => {
        const publishing = await publishUntilMidStream(bus, store, 'ledgerline-processors');
        child.kill('SIGKILL');
        await once(child, 'exit');
        await publishing;
      });
      expect(await bus.lag('ledgerline-processors'), log).toBeGreaterThan(0);
      const again = await runCli(['process', '--drain'], env);
      expect(again.code, again.stderr).toBe(0);
      await withStore(env.LEDGERLINE_DATA_DIR, (store) => expectCleanRun(store, bus));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await bus.close();
    }
  }, 180_000);

  it('two processors, one crashes (leaves without writing or committing): the other takes its partitions', async () => {
    const prefix = uniqueName('takeover');
    const bus = await connectBus(BROKERS!, prefix);
    try {
      await withStore(join(dir, prefix), async (store) => {
        const group = `${prefix}-processors`;
        const [a, b] = [new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS), new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS)];
        await a.start(group);
        await b.start(group);
        const publishing = await publishUntilMidStream(bus, store, group);
        expect(a.summary.processed).toBeGreaterThan(0);
        await a.abandon();
        await publishing;
        await until('the survivor to commit everything', async () => (await bus.lag(group)) === 0, 120_000);
        await b.stop();
        expect(b.failed).toBeUndefined();
        // Whether b joined before a left or only after (a loaded machine), its last assignment has
        // all partitions, restored from what a committed.
        expect(b.summary.assignments).toBeGreaterThanOrEqual(1);
        await expectCleanRun(store, bus);
      });
    } finally {
      await bus.close();
    }
  }, 240_000);

  it('the broker stopped and started again mid-stream', async () => {
    // A broker of its own: the suites running beside this one keep theirs.
    const env = { ...process.env, KAFKA_LOCAL_PORT: '19092', KAFKA_LOCAL_CONTROLLER_PORT: '19093', KAFKA_LOCAL_DIR: tempDir('own-broker') };
    const broker = (command: string) => promisify(execFile)(join(ROOT, 'scripts/kafka-local.sh'), [command], { timeout: 120_000, env });
    await broker('start');
    const prefix = uniqueName('broker-restart');
    const bus = await connectBus(['127.0.0.1:19092'], prefix);
    try {
      await withStore(join(dir, prefix), async (store) => {
        const group = `${prefix}-processors`;
        const member = new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS);
        await member.start(group);
        try {
          const publishing = await publishUntilMidStream(bus, store, group);
          await broker('stop');
          // The publisher waits for the broker too (its sends are retried until it is back).
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          await broker('start');
          await publishing;
        } finally {
          await broker('start');
        }
        await until('everything committed after the restart', async () => (await bus.lag(group)) === 0, 120_000);
        await member.stop();
        expect(member.failed).toBeUndefined();
        await expectCleanRun(store, bus, ['127.0.0.1:19092']);
      });
    } finally {
      await bus.close();
      await broker('stop');
    }
  }, 300_000);

  describe('the store down for 30 s', () => {
    let outage = false;
    afterAll(() => {
      outage = false;
    });

    it('waits, retries, and loses nothing', async () => {
      const prefix = uniqueName('store-outage');
      const bus = await connectBus(BROKERS!, prefix);
      // The ClickHouse store over chDB, with a connection that refuses every statement during the outage.
      const connection = createChdbConnection({ path: join(dir, prefix) });
      const refuse = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123 (outage)'), { code: 'ECONNREFUSED' }));
      const refusing = {
        query: (params: never) => (outage ? refuse() : connection.query(params)),
        exec: (params: never) => (outage ? refuse() : connection.exec(params)),
        command: (params: never) => (outage ? refuse() : connection.command(params)),
        insert: (params: never) => (outage ? refuse() : connection.insert(params)),
        ping: (params: never) => connection.ping(params),
        close: () => connection.close(),
      };
      const store = await ClickHouseStore.connect({
        url: 'http://clickhouse.invalid',
        username: 'default',
        password: '',
        database: 'default',
        retryMs: 120_000,
        connection: refusing as unknown as ClickHouseStoreOptions['connection'],
      });
      try {
        await migrate(store);
        const group = `${prefix}-processors`;
        const member = new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS);
        await member.start(group);
        // The publisher saves its source position in the same store: it waits out the outage too.
        const publishing = await publishUntilMidStream(bus, store, group);
        outage = true;
        // A commit whose rows were written just before may still record its offsets; none after.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const before = (await bus.progress(group)).committed;
        await new Promise((resolve) => setTimeout(resolve, 29_000));
        // Nothing was committed while nothing could be written.
        expect((await bus.progress(group)).committed).toBe(before);
        outage = false;
        await publishing;
        await until('everything committed after the outage', async () => (await bus.lag(group)) === 0, 120_000);
        await member.stop();
        expect(member.failed).toBeUndefined();
        await expectCleanRun(store, bus);
      } finally {
        outage = false;
        await store.close();
        await bus.close();
      }
    }, 300_000);
  });
});
