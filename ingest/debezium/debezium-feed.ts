/**
 * The Debezium topics as a queue of messages, read with a kafkajs consumer group from positions the
 * caller gives (the durable checkpoint in the store, not the group's committed offsets: a new data
 * directory must read from the start even if the group has read before). The group's offsets are
 * committed only by `commit`, which the caller calls with positions that are durable in the event
 * log: they show the lag to operators and never run ahead of what a restart resumes from.
 */
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { Pause } from '../pause.js';

export interface FeedMessage {
  topic: string;
  partition: number;
  offset: number;
  value: string | null;
}

/** A message, or how far a fetched batch reached (compaction and transaction markers leave offsets without messages). */
export type FeedItem = FeedMessage | { topic: string; partition: number; next: number };

export class DebeziumFeedError extends Error {
  override name = 'DebeziumFeedError';
}

export interface FeedOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: readonly string[];
}

/** Messages held in memory ahead of the pipeline (kafkajs waits while the queue is above it). */
const QUEUE_HIGH = 20_000;
const HEARTBEAT_MS = 3_000;

export const tpOf = (topic: string, partition: number) => `${topic}/${partition}`;

export class DebeziumFeed {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private queue: FeedItem[] = [];
  private readonly reader = new Pause();
  private wakeWriter: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly o: FeedOptions) {
    this.kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  }

  /** Every partition's first and next-to-be-written offsets. */
  async watermarks(): Promise<Map<string, { low: number; high: number }>> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = this.o.topics.filter((t) => !existing.has(t));
    if (missing.length) {
      throw new DebeziumFeedError(
        `Kafka ${this.o.brokers.join(',')} has no topic ${missing.join(', ')}: check topic_prefix, schema and tables in the config against the connector's topic.prefix and table.include.list (the connector creates a table's topic with its first row)`,
      );
    }
    const marks = new Map<string, { low: number; high: number }>();
    for (const topic of this.o.topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) marks.set(tpOf(topic, p.partition), { low: Number(p.low), high: Number(p.high) });
    }
    return marks;
  }

  /** Joins the group and reads every partition from `start` (`topic/partition` → next offset). */
  async open(start: ReadonlyMap<string, number>): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.o.groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: HEARTBEAT_MS, rebalanceTimeout: 60_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(new DebeziumFeedError(`the Kafka consumer stopped: ${payload.error.message}`));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.o.topics], fromBeginning: true });
    // Not awaited, and the seeks right after it: kafkajs applies them before its first fetch.
    void consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale()) return;
          const beat = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_MS);
          try {
            for (const m of batch.messages) this.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), value: m.value === null ? null : m.value.toString('utf8') });
            this.push({ topic: batch.topic, partition: batch.partition, next: Number(batch.lastOffset()) + 1 });
            while (this.queue.length > QUEUE_HIGH && isRunning() && !isStale()) await new Promise<void>((resolve) => (this.wakeWriter = resolve));
          } finally {
            clearInterval(beat);
          }
        },
      })
      .catch((e: unknown) => this.fail(e as Error));
    for (const [tp, offset] of start) {
      const cut = tp.lastIndexOf('/');
      consumer.seek({ topic: tp.slice(0, cut), partition: Number(tp.slice(cut + 1)), offset: String(offset) });
    }
  }

  /** Up to `max` items; waits up to `ms` for the first one (none: an empty list). */
  async take(max: number, ms: number): Promise<FeedItem[]> {
    if (this.failure) throw this.failure;
    if (!this.queue.length) {
      await this.reader.for(ms);
      if (this.failure) throw this.failure;
    }
    const items = this.queue.splice(0, max);
    if (this.queue.length <= QUEUE_HIGH) this.wakeWriter?.();
    return items;
  }

  pause(topics: readonly string[]): void {
    if (topics.length) this.consumer?.pause(topics.map((topic) => ({ topic })));
  }

  resume(topics: readonly string[]): void {
    if (topics.length) this.consumer?.resume(topics.map((topic) => ({ topic })));
  }

  /** Commits durable positions (`topic/partition` → next offset) as the group's offsets. False when the group was rebalancing (the next commit catches up). */
  async commit(positions: ReadonlyMap<string, number>): Promise<boolean> {
    if (!this.consumer || !positions.size) return true;
    try {
      await this.consumer.commitOffsets(
        [...positions].map(([tp, offset]) => {
          const cut = tp.lastIndexOf('/');
          return { topic: tp.slice(0, cut), partition: Number(tp.slice(cut + 1)), offset: String(offset) };
        }),
      );
      return true;
    } catch (e) {
      if (['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR'].includes((e as { type?: string }).type ?? '')) return false;
      throw e;
    }
  }

  /** The group's committed offsets (`topic/partition` → next offset), for tests and status. */
  async committed(): Promise<Map<string, number>> {
    const admin = await this.connectedAdmin();
    const out = new Map<string, number>();
    for (const t of await admin.fetchOffsets({ groupId: this.o.groupId, topics: [...this.o.topics] })) {
      for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(tpOf(t.topic, p.partition), Number(p.offset));
    }
    return out;
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.wakeWriter?.();
    await consumer?.disconnect();
    await this.admin?.disconnect();
    this.admin = undefined;
    this.queue = [];
  }

  private push(item: FeedItem): void {
    this.queue.push(item);
    this.reader.wake();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.reader.wake();
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
