import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type LogEntry, type Producer } from 'kafkajs';
import type { BusRecord } from './bus.js';
import { partitionOf } from './partitioner.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Topics are `<prefix>.events` and `<prefix>.events.dlq`. */
  topicPrefix: string;
  /** Partitions of the events topic (created with them; an existing topic must have them). */
  partitions: number;
  replication: number;
  /** How long the group waits for a member to rejoin a rebalance (it restores state first), ms; default 5 min. */
  rebalanceTimeoutMs?: number;
}

/** A record to publish: its key (sku@warehouse) and the event's JSON. */
export interface OutgoingRecord {
  key: string;
  value: string;
}

/** A record that could not become an event, for the dead-letter topic. */
export interface OutgoingDeadLetter {
  /** Where it came from: the source and its position there (the dead letter's key). */
  source: string;
  position: number;
  reason: string;
  /** The record, or its first bytes when it is very long (then the size and hash say which it was). */
  raw: string;
  rawBytes: number;
  rawSha256: string;
}

export interface SubscriptionHandlers {
  /**
   * The partitions this member now owns, with the last offset committed for each (0: none), before
   * any record of them is handed over: the place to restore state. Called again after a rebalance.
   */
  assigned(partitions: readonly number[], committed: ReadonlyMap<number, number>): Promise<void>;
  /** Records of one partition, in order; `offset` counts from 1 (Kafka's offset + 1), as in the embedded log. */
  batch(records: BusRecord<string>[]): Promise<void>;
  /** The consumer stopped for good (kafkajs gave up restarting it after an error). */
  stopped(error: Error): void;
}

const HEARTBEAT_MS = 3_000;
/** Commit refusals that mean the group moved on (a rebalance): the partitions' next owner replays from the last commit. */
const GROUP_MOVED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

/** Whether a commit failed because the group moved on; kafkajs's retrier wraps the broker's error (as `cause`). */
export function groupMoved(e: unknown): boolean {
  for (let err = e as { type?: string; cause?: unknown } | undefined, depth = 0; err && depth < 5; err = err.cause as typeof err, depth++) {
    if (GROUP_MOVED.has(err.type ?? '')) return true;
  }
  return false;
}

export class KafkaBusError extends Error {
  override name = 'KafkaBusError';
}

/**
 * kafkajs logs every error response at ERROR, also the ones it retries (a group rebalancing, a
 * coordinator loading, a broker not reachable yet); those are dropped. What is not recovered from
 * surfaces as a thrown error or a consumer crash, which is logged.
 */
const RETRIED = /leadership election|no leader|rebalancing|coordinator (is loading|not available)|not the correct coordinator|leader not available|concurrent operation on the same transaction|Connection error|Failed to connect to seed broker/i;
function logCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    if (level > logLevel.WARN) return;
    const { message, ...extra } = log;
    if (RETRIED.test(message) || RETRIED.test(String(extra.error ?? ''))) return;
    process.stderr.write(`ledgerline: kafka ${level === logLevel.ERROR ? 'error' : 'warning'} (${namespace}): ${message}${extra.error ? `: ${String(extra.error)}` : ''}\n`);
  };
}

/**
 * The distributed mode's bus: Apache Kafka through kafkajs. Records are keyed by sku@warehouse and
 * go to the partition `partitionOf` gives (the embedded bus's function: a key's partition, under
 * which processors keep its state, is the same in both modes). The producer is idempotent and
 * waits for all in-sync replicas; consumers commit an offset only when the runner says its outputs
 * are stored.
 */
export class KafkaBus {
  readonly eventsTopic: string;
  readonly deadLetterTopic: string;
  private producer: Producer | undefined;
  private readonly consumers = new Set<Consumer>();

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    readonly partitions: number,
    prefix: string,
    private readonly rebalanceTimeoutMs: number,
  ) {
    this.eventsTopic = `${prefix}.events`;
    this.deadLetterTopic = `${prefix}.events.dlq`;
  }

  /** Connects and makes sure both topics exist, the events topic with the configured partitions. */
  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logCreator, retry: { retries: 8 } });
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      throw new KafkaBusError(`cannot reach Kafka at ${options.brokers.join(',')}: ${(e as Error).message} — is the broker up and LEDGERLINE_KAFKA_BROKERS right?`, { cause: e });
    }
    const bus = new KafkaBus(kafka, admin, options.partitions, options.topicPrefix, options.rebalanceTimeoutMs ?? 300_000);
    try {
      await bus.ensureTopics(options.replication);
    } catch (e) {
      await admin.disconnect();
      throw e;
    }
    return bus;
  }

  partitionOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  private async ensureTopics(replication: number): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const wanted = [
      { topic: this.eventsTopic, numPartitions: this.partitions },
      // One partition: dead letters stay in the order they were found.
      { topic: this.deadLetterTopic, numPartitions: 1 },
    ];
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length) {
      await this.admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: replication })), waitForLeaders: true }).catch((e: Error) => {
        // Another instance created it meanwhile: fine; anything else is not.
        if (!/already exists/i.test(e.message)) throw new KafkaBusError(`cannot create topics ${missing.map((t) => t.topic).join(', ')}: ${e.message}`, { cause: e });
      });
    }
    const [metadata] = (await this.admin.fetchTopicMetadata({ topics: [this.eventsTopic] })).topics;
    const count = metadata?.partitions.length ?? 0;
    if (count !== this.partitions) {
      throw new KafkaBusError(
        `topic ${this.eventsTopic} has ${count} partitions, the configuration says ${this.partitions}: ` +
          `set LEDGERLINE_BUS_PARTITIONS=${count} (state is kept per partition and cannot be re-keyed in place).`,
      );
    }
  }

  /** Publishes records and resolves once every in-sync replica has them (durable: a source may acknowledge). */
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.connectedProducer();
    for (const chunk of bySize(records, (r) => Buffer.byteLength(r.key) + Buffer.byteLength(r.value))) {
      await producer.send({
        topic: this.eventsTopic,
        acks: -1,
        messages: chunk.map((r) => ({ key: r.key, value: r.value, partition: this.partitionOf(r.key) })),
      });
    }
  }

  /** Publishes dead letters: the raw input as the value, why and where from in headers. */
  async publishDeadLetters(letters: readonly OutgoingDeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const producer = await this.connectedProducer();
    for (const chunk of bySize(letters, (l) => Buffer.byteLength(l.raw) + Buffer.byteLength(l.reason) + Buffer.byteLength(l.source) + 200)) {
      await producer.send({
        topic: this.deadLetterTopic,
        acks: -1,
        messages: chunk.map((l) => ({
          key: `${l.source}:${l.position}`,
          value: l.raw,
          headers: { reason: l.reason, source: l.source, position: String(l.position), raw_bytes: String(l.rawBytes), raw_sha256: l.rawSha256 },
        })),
      });
    }
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      // Idempotent: a retried send is written once. The partition is set on each message (our
      // partitioner); naming the default one only silences kafkajs's notice about its change.
      // Retried until the broker is back (a send that gave up could be retried by the caller as a
      // second write): the caller waits meanwhile, and so does its source (backpressure).
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  /**
   * Joins consumer group `groupId` on the events topic. `commit` stores the group's position for
   * partitions whose records are handled and whose outputs are stored.
   */
  async subscribe(groupId: string, handlers: SubscriptionHandlers): Promise<KafkaSubscription> {
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: HEARTBEAT_MS, rebalanceTimeout: this.rebalanceTimeoutMs });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [this.eventsTopic], fromBeginning: true });
    // The assignment changes with each rebalance; `assigned` runs before the next batch.
    let assignment: number[] | undefined;
    let restored: number[] | undefined;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = [...(payload.memberAssignment[this.eventsTopic] ?? [])].sort((a, b) => a - b);
    });
    // A failed batch is retried and the consumer restarted (it rejoins and restores); when kafkajs
    // gives up, the member is gone and its owner must know.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) handlers.stopped(payload.error);
    });
    const subscription = new KafkaSubscription(consumer, this.eventsTopic, () => assignment ?? []);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        // The group hears from this member while a handler waits (a restore, a store that is down):
        // it would otherwise count it dead after the session timeout and move its partitions.
        const beat = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_MS);
        try {
          if (assignment && assignment !== restored) {
            const current = assignment;
            await handlers.assigned(current, await this.committedOffsets(groupId, current));
            restored = current;
          }
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const partition = batch.partition;
          const records = batch.messages.map((m) => ({
            key: m.key?.toString() ?? '',
            partition,
            offset: Number(m.offset) + 1,
            value: m.value?.toString() ?? '',
          }));
          await handlers.batch(records);
        } finally {
          clearInterval(beat);
        }
      },
    });
    return subscription;
  }

  /** The group's committed positions, as the last offset handled (counting from 1; 0: none). */
  async committedOffsets(groupId: string, partitions: readonly number[] = Array.from({ length: this.partitions }, (_, p) => p)): Promise<Map<number, number>> {
    const [topic] = await this.admin.fetchOffsets({ groupId, topics: [this.eventsTopic] });
    const committed = new Map<number, number>(partitions.map((p) => [p, 0]));
    for (const { partition, offset } of topic?.partitions ?? []) {
      if (committed.has(partition)) committed.set(partition, Math.max(0, Number(offset)));
    }
    return committed;
  }

  /** Records on the events topic, and how many of them group `groupId` has committed. */
  async progress(groupId: string): Promise<{ records: number; committed: number }> {
    const [ends, [topic]] = await Promise.all([this.admin.fetchTopicOffsets(this.eventsTopic), this.admin.fetchOffsets({ groupId, topics: [this.eventsTopic] })]);
    return {
      records: ends.reduce((sum, p) => sum + Number(p.high), 0),
      committed: (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0),
    };
  }

  /** Records on the events topic that group `groupId` has not committed yet (its lag). */
  async lag(groupId: string): Promise<number> {
    const { records, committed } = await this.progress(groupId);
    return records - committed;
  }

  async close(): Promise<void> {
    for (const consumer of this.consumers) await consumer.disconnect();
    this.consumers.clear();
    await this.producer?.disconnect();
    this.producer = undefined;
    await this.admin.disconnect();
  }
}

/** A member of a consumer group on the events topic. */
export class KafkaSubscription {
  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly assignment: () => readonly number[],
  ) {}

  /** The partitions the group gave this member at its last join. */
  get partitions(): readonly number[] {
    return this.assignment();
  }

  /**
   * Marks records up to `offset` (counting from 1, inclusive) of each partition as handled and
   * stored. False when the group had moved on (a rebalance): the commit is dropped, the outputs
   * stay (the next owner of those partitions writes the same rows again, which the tables absorb).
   */
  async commit(offsets: ReadonlyMap<number, number>): Promise<boolean> {
    if (offsets.size === 0) return true;
    try {
      // Kafka's committed offset is the next one to read: our 1-based last handled offset.
      await this.consumer.commitOffsets([...offsets].map(([partition, offset]) => ({ topic: this.topic, partition, offset: String(offset) })));
      return true;
    } catch (e) {
      if (groupMoved(e)) return false;
      throw e;
    }
  }

  /** Leaves the group (its partitions go to the other members). */
  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/**
 * Requests of at most ~900 kB: kafkajs sends a batch as it is, and the broker refuses one above its
 * message.max.bytes (1 MB by default). A single larger record is sent alone (and refused by such a
 * broker: raise message.max.bytes, or lower LEDGERLINE_MAX_RECORD_BYTES).
 */
const MAX_REQUEST_BYTES = 900_000;
function* bySize<T>(items: readonly T[], size: (item: T) => number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (chunk.length && bytes + n > MAX_REQUEST_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += n;
  }
  if (chunk.length) yield chunk;
}
