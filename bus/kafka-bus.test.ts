import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusRecord } from './bus.js';
import { groupMoved, KafkaBus, type KafkaBusOptions, type KafkaSubscription } from './kafka-bus.js';
import { partitionOf } from './partitioner.js';
import { testBrokers, until } from '../testing/distributed.js';

const BROKERS = testBrokers('bus/kafka-bus.test.ts');

const RUN = `test-${process.pid}-${Date.now().toString(36)}`;
const options = (over: Partial<KafkaBusOptions> = {}): KafkaBusOptions => ({
  brokers: BROKERS ?? [],
  clientId: 'ledgerline-test',
  topicPrefix: RUN,
  partitions: 4,
  replication: 1,
  ...over,
});

describe('a commit refused because the group moved on', () => {
  it('is told from other failures also when kafkajs wraps the broker error after its retries', () => {
    const rebalancing = new KafkaJSProtocolError({ type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false, message: 'The group is rebalancing' } as never);
    expect(groupMoved(rebalancing)).toBe(true);
    // What consumer.commitOffsets throws: the retrier's error, the broker's as its cause (as kafkajs's
    // retry/index.js builds it; its typings leave the options out).
    const wrapped = (e: Error) => new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, { cause: e });
    expect(groupMoved(wrapped(rebalancing))).toBe(true);
    const down = new KafkaJSProtocolError({ type: 'COORDINATOR_NOT_AVAILABLE', code: 15, retriable: true, message: 'down' } as never);
    expect(groupMoved(wrapped(down))).toBe(false);
    expect(groupMoved(new Error('socket hang up'))).toBe(false);
  });
});

describe.skipIf(!BROKERS)('Kafka bus on a real broker', () => {
  const buses: KafkaBus[] = [];
  afterAll(async () => {
    for (const bus of buses) await bus.close().catch(() => {});
  });
  const connect = async (over: Partial<KafkaBusOptions> = {}) => {
    const bus = await KafkaBus.connect(options(over));
    buses.push(bus);
    return bus;
  };

  it('creates its topics, refuses another partition count, and keys records to the embedded partitioner’s partition', async () => {
    const bus = await connect();
    await expect(KafkaBus.connect(options({ partitions: 6 }))).rejects.toThrow(`topic ${RUN}.events has 4 partitions, the configuration says 6: set LEDGERLINE_BUS_PARTITIONS=4`);

    // Two members of one group share the partitions; every record arrives once, in order per key.
    const seen: Array<BusRecord<string> & { member: number }> = [];
    const assignments: Array<[number, number[], number[]]> = [];
    const members: KafkaSubscription[] = [];
    const stops: Error[] = [];
    for (const member of [0, 1]) {
      members.push(
        await bus.subscribe(`${RUN}-group`, {
          assigned: async (partitions, committed) => {
            assignments.push([member, [...partitions], [...committed.values()]]);
          },
          stopped: (error) => void stops.push(error),
          batch: async (batch) => {
            seen.push(...batch.map((r) => ({ ...r, member })));
            await members[member]!.commit(new Map([[batch[0]!.partition, batch.at(-1)!.offset]]));
          },
        }),
      );
    }
    await until('the group to split the partitions', () => members.every((m) => m.partitions.length === 2), 30_000, 50);
    expect([...members[0]!.partitions, ...members[1]!.partitions].sort()).toEqual([0, 1, 2, 3]);
    const keys = Array.from({ length: 50 }, (_, i) => `SKU-${i}@WH${i % 3}`);
    const records = Array.from({ length: 2000 }, (_, i) => ({ key: keys[i % keys.length]!, value: JSON.stringify({ n: i }) }));
    await bus.publish(records.slice(0, 1000));
    await bus.publish(records.slice(1000));
    await until('all 2000 records', () => seen.length >= 2000, 30_000, 50);
    expect(seen).toHaveLength(2000);
    for (const r of seen) expect(r.partition).toBe(partitionOf(r.key, 4));
    const values = (key: string) => seen.filter((r) => r.key === key).map((r) => (JSON.parse(r.value) as { n: number }).n);
    for (const key of keys) expect(values(key)).toEqual(records.map((r, n) => [r.key, n] as const).filter(([k]) => k === key).map(([, n]) => n));
    // Offsets count from 1 per partition, like the embedded log's.
    for (let p = 0; p < 4; p++) {
      const offsets = seen.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i + 1));
    }
    expect(new Set(seen.map((r) => r.member)).size).toBe(2);
    for (const m of members) await m.close();

    // The group's position is stored: a new member gets nothing again, and is told where each partition stands.
    const again: BusRecord<string>[] = [];
    let committed: number[] = [];
    const next = await bus.subscribe(`${RUN}-group`, {
      assigned: async (_partitions, c) => {
        committed = [...c.values()];
      },
      batch: async (batch) => {
        again.push(...batch);
      },
      stopped: (error) => void stops.push(error),
    });
    await bus.publish([{ key: keys[0]!, value: '{"n":2000}' }]);
    await until('the new record', () => again.length >= 1, 30_000, 50);
    expect(again.map((r) => r.value)).toEqual(['{"n":2000}']);
    expect(committed.reduce((a, b) => a + b, 0)).toBe(2000);
    await next.close();
    expect(stops).toEqual([]);
  }, 90_000);

  it('puts dead letters on their own topic with the reason and origin', async () => {
    const bus = await connect({ topicPrefix: `${RUN}-dlq` });
    await bus.publishDeadLetters([
      { source: 'file:a.jsonl', position: 7, reason: 'truncated JSON', raw: '{"type": "stock_mo', rawBytes: 18, rawSha256: 'a' },
      { source: 'file:a.jsonl', position: 9, reason: 'unknown event type "x"', raw: '{"type":"x"}', rawBytes: 12, rawSha256: 'b' },
    ]);
    const kafka = new Kafka({ clientId: 'ledgerline-test-reader', brokers: options().brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${RUN}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [bus.deadLetterTopic], fromBeginning: true });
    const letters: Array<{ key: string; value: string; reason: string; position: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          reason: message.headers!.reason!.toString(),
          position: message.headers!.position!.toString(),
        });
      },
    });
    try {
      await until('2 dead letters', () => letters.length >= 2, 30_000, 50);
      expect(letters).toEqual([
        { key: 'file:a.jsonl:7', value: '{"type": "stock_mo', reason: 'truncated JSON', position: '7' },
        { key: 'file:a.jsonl:9', value: '{"type":"x"}', reason: 'unknown event type "x"', position: '9' },
      ]);
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);

  it('names the brokers when it cannot reach them', async () => {
    await expect(KafkaBus.connect(options({ brokers: ['127.0.0.1:1'] }))).rejects.toThrow(/cannot reach Kafka at 127\.0\.0\.1:1: .*LEDGERLINE_KAFKA_BROKERS/);
  }, 60_000);
});
