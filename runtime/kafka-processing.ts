import { createHash } from 'node:crypto';
import type { BusRecord } from '../bus/bus.js';
import type { KafkaBus, KafkaSubscription, OutgoingDeadLetter } from '../bus/kafka-bus.js';
import { eventKeys } from '../events/keys.js';
import type { ErpEvent } from '../events/schema.js';
import { validateEvent } from '../events/validate.js';
import type { Processor } from '../processors/processor.js';
import { Checkpoints, STREAM_TIME } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';
import { COMMIT_ROWS, Outputs } from './outputs.js';
import { StreamTime } from './stream-time.js';

export interface ProcessingSummary {
  /** Records handled since start (replays after a rebalance included). */
  processed: number;
  /** Records on the topic that were not valid events (to the dead-letter topic). */
  dead_lettered: number;
  /** Times the group gave this member partitions (each rebuilds state from the store). */
  assignments: number;
}

/**
 * One processor instance of the distributed mode: a member of a Kafka consumer group that owns the
 * state of its partitions. On each assignment it writes what it handled so far, then rebuilds its
 * processors' state from the store as of the group's committed offsets of the partitions it now owns
 * (the records after them are delivered again). Outputs are written before offsets are committed,
 * so a crash never loses an effect, and the tables absorb the outputs it repeats.
 */
export class KafkaProcessing {
  private processors: Processor[] = [];
  private pending = new Outputs();
  /** Per owned partition: the last offset handled and not yet committed. */
  private readonly uncommitted = new Map<number, number>();
  /** Per partition: the latest event time handled (each member writes its partitions' own). */
  private readonly streamTimes = new Map<number, StreamTime>();
  private owned = new Set<number>();
  private subscription: KafkaSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Batches, commits and assignments run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly checkpoints: Checkpoints;
  /** Set by `abandon`: nothing more is handled, written or committed. */
  private abandoned = false;
  /** Per partition owned, the offset its state was restored to at the latest assignment. */
  private restoredTo = new Map<number, number>();
  readonly summary: ProcessingSummary = { processed: 0, dead_lettered: 0, assignments: 0 };

  constructor(
    private readonly store: Store,
    private readonly bus: KafkaBus,
    private readonly makeProcessors: () => Processor[],
    /** How often outputs are written and offsets committed at the latest (LEDGERLINE_COMMIT_MS). */
    private readonly commitMs: number,
  ) {
    this.checkpoints = new Checkpoints(store);
  }

  async start(groupId: string): Promise<void> {
    this.subscription = await this.bus.subscribe(groupId, {
      assigned: (partitions, committed) => this.serially(() => this.assign(partitions, committed)),
      batch: (records) => this.serially(() => this.handle(records)),
      stopped: (error) => (this.failure ??= error),
    });
    // Outputs are written and their offsets committed every commitMs (and after COMMIT_ROWS rows).
    this.timer = setInterval(() => {
      this.serially(() => this.commit()).catch(() => {}); // recorded as the failure by `serially`
    }, this.commitMs);
  }

  /** Why processing stopped, if it did (a store or broker failure past its retries). */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * Leaves the group without writing or committing what was handled since the last commit: after a
   * failure, and in the fault tests as a crash (which the group would notice only after the session
   * timeout; leaving tells it at once).
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    clearInterval(this.timer);
    await this.subscription?.close();
  }

  /** Writes and commits what was handled, then leaves the group. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.serially(() => this.commit());
    await this.subscription?.close();
  }

  /**
   * Runs steps one at a time. A step that fails (the store refused past its retries, a restore
   * broke) stops the instance for good: outputs taken for a write that failed are gone, so no
   * offset may be committed after it; the process exits and a restart replays from the last commit.
   * (An offset commit the broker refused is not such a failure: see `commit`.)
   */
  private serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.failure !== undefined) throw new Error('this processor instance has stopped after a failure', { cause: this.failure });
      return step();
    });
    this.queue = run.catch((e: unknown) => {
      this.failure ??= e;
    });
    return run;
  }

  private async assign(partitions: readonly number[], committed: ReadonlyMap<number, number>): Promise<void> {
    // What was handled under the previous assignment is written; only the offsets of partitions
    // still owned are committed (another member now replays the others from their last commit).
    await this.commit(new Set(partitions));
    this.uncommitted.clear();
    this.streamTimes.clear();
    // A partition's stream time never goes back, also while its records are replayed.
    const stored = await this.checkpoints.withPrefix(`${STREAM_TIME}/`);
    for (const p of partitions) this.streamTimes.set(p, new StreamTime(stored.get(`${STREAM_TIME}/${p}`)));
    // Restored aside and put in place only when whole: a half-restored state must never be flushed.
    this.processors = [];
    const processors = this.makeProcessors();
    for (const processor of processors) await processor.restore(this.store, committed, (key) => this.bus.partitionOf(key));
    this.processors = processors;
    this.restoredTo = new Map(committed);
    this.owned = new Set(partitions);
    this.summary.assignments++;
  }

  private async handle(batch: BusRecord<string>[]): Promise<void> {
    if (this.abandoned) return;
    // The state holds each partition's records up to the offset it was restored to. The consumer
    // fetches from the group's committed offset, which a commit racing the assignment can leave
    // below it: those records are in the state already, and applied again some processors would
    // count them twice.
    const restoredTo = this.restoredTo.get(batch[0]!.partition) ?? 0;
    const records = batch[0]!.offset > restoredTo ? batch : batch.filter((r) => r.offset > restoredTo);
    if (records.length === 0) return;
    const ingestedAt = new Date().toISOString();
    const bad: OutgoingDeadLetter[] = [];
    const partition = records[0]!.partition;
    let streamTime = this.streamTimes.get(partition);
    if (!streamTime) this.streamTimes.set(partition, (streamTime = new StreamTime()));
    for (const r of records) {
      // The topic is an edge too (any producer may write to it): each record is validated again.
      let value: unknown;
      try {
        value = JSON.parse(r.value);
      } catch (e) {
        bad.push(deadLetter(this.bus.eventsTopic, r, `not JSON: ${(e as Error).message}`));
        continue;
      }
      const result = validateEvent(value, ingestedAt);
      if (!result.ok) {
        bad.push(deadLetter(this.bus.eventsTopic, r, result.reason));
        continue;
      }
      // State is kept per key and partition: a record under another key or on another partition than
      // ingest would have put it is refused, not applied where it does not belong.
      if (this.bus.partitionOf(r.key) !== partition || !eventKeys(result.event).includes(r.key)) {
        bad.push(deadLetter(this.bus.eventsTopic, r, `key "${r.key.slice(0, 200)}" on partition ${partition} is not where this event belongs (its keys: ${eventKeys(result.event).join(', ')})`));
        continue;
      }
      const record: BusRecord<ErpEvent> = { key: r.key, partition, offset: r.offset, value: result.event };
      for (const processor of this.processors) processor.apply(record, this.pending);
      streamTime.see(result.event.occurred_at);
    }
    await this.bus.publishDeadLetters(bad);
    // Stored with the outputs, before the offsets that cover them are committed.
    for (const d of bad) this.pending.emit('dead_letters', { source_id: d.source, source_name: d.source, position: d.position, reason: d.reason, raw: d.raw, raw_bytes: d.rawBytes, raw_sha256: d.rawSha256, received_at: ingestedAt });
    this.summary.dead_lettered += bad.length;
    this.summary.processed += records.length;
    this.uncommitted.set(partition, records.at(-1)!.offset);
    if (this.pending.rows >= COMMIT_ROWS) await this.commit();
  }

  /** Writes the outputs so far, then the stream times, then commits the offsets they cover. */
  private async commit(stillOwned: ReadonlySet<number> = this.owned): Promise<void> {
    if (this.abandoned) return;
    for (const processor of this.processors) processor.flush(this.pending);
    const outputs = this.pending;
    this.pending = new Outputs();
    await outputs.writeTo(this.store);
    const times = new Map<string, string>();
    for (const [partition, time] of this.streamTimes) {
      const latest = time.take();
      if (latest !== undefined) times.set(`${STREAM_TIME}/${partition}`, latest);
    }
    if (times.size) await this.checkpoints.set(times);
    // Only partitions owned now, also per the group's latest assignment (a rebalance may have moved
    // some before the next batch told this instance).
    const assignedNow = new Set(this.subscription?.partitions ?? []);
    const offsets = new Map([...this.uncommitted].filter(([p]) => stillOwned.has(p) && assignedNow.has(p)));
    try {
      await this.subscription?.commit(offsets);
    } catch (e) {
      // The outputs are stored; only the position did not reach the broker (it is down or moving
      // leaders). The next commit sends it again; meanwhile a restart would merely replay more.
      process.stderr.write(`ledgerline: committing offsets failed, will retry with the next commit: ${(e as Error).message}\n`);
      for (const p of this.uncommitted.keys()) if (!stillOwned.has(p)) this.uncommitted.delete(p);
      return;
    }
    this.uncommitted.clear();
  }
}

/** What a dead letter keeps of a bad record (its size and hash are kept too): as ingest's default. */
const DEAD_LETTER_RAW_BYTES = 64 << 10;

/** A record of the events topic that is not a valid event, for the dead-letter topic. */
function deadLetter(topic: string, r: BusRecord<string>, reason: string): OutgoingDeadLetter {
  const bytes = Buffer.from(r.value);
  const raw = bytes.length > DEAD_LETTER_RAW_BYTES ? new TextDecoder().decode(bytes.subarray(0, DEAD_LETTER_RAW_BYTES)).replace(/\uFFFD$/, '') : r.value;
  return { source: `${topic}/${r.partition}`, position: r.offset, reason, raw, rawBytes: bytes.length, rawSha256: createHash('sha256').update(bytes).digest('hex') };
}
