import { EmbeddedBus } from '../bus/embedded-bus.js';
import { partitionOf } from '../bus/partitioner.js';
import type { BusRecord } from '../bus/bus.js';
import { ConfigError, type Config } from '../config/config.js';
import { eventKeys } from '../events/keys.js';
import { decodeBatch, type DeadLetter } from '../ingest/decode.js';
import type { Source } from '../ingest/source.js';
import type { Processor } from '../processors/processor.js';
import type { ErpEvent } from '../events/schema.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { Checkpoints, STREAM_TIME } from '../store/checkpoints.js';
import { EventLog, type LoggedEvent } from '../store/event-log.js';
import { jobProcessors } from './job-processors.js';
import { COMMIT_ROWS } from './outputs.js';
import { InThreadProcessors, type LogRecord, type ProcessorHost } from './processor-host.js';
import { processorThreads, ProcessorThreads } from './processor-threads.js';
import type { Progress } from './progress.js';
import { StreamTime } from './stream-time.js';

export interface RunSummary {
  /** Records read from the sources in this run. */
  events_read: number;
  /** Events appended to the log (new ones). */
  events_logged: number;
  /** Valid events already in the log (redeliveries, a file read twice). */
  duplicates: number;
  dead_lettered: number;
  /** Bus records handled by the processors (includes log replay after a restart). */
  processed: number;
  replayed: number;
  seconds: number;
}

const PARTITION_CHECKPOINT = (p: number) => `processors/partition/${p}`;
const PARTITION_COUNT = 'processors/partitions';
/** Dead letters buffered before they are written (with the log rows staged so far). */
const DEAD_LETTERS_PER_WRITE = 10_000;
/** Where a source's resume position is kept (a checkpoint), saved once everything before it is in the log. */
export const SOURCE_CHECKPOINT = (id: string) => `source/${id}`;

/**
 * The embedded mode's flow: sources → validate → event log (durable, deduplicated) → source
 * checkpoint → bus → processors → store → partition offsets committed.
 *
 * Exactly-once effect: an event is in the log once (event_id), the log offset it gets is carried by
 * every output row, the output tables are idempotent, and a partition's offset is committed only
 * after its outputs are written. After a crash, processors restore their state as of the committed
 * offsets and the log after them is replayed, so every table ends as after one clean run.
 */
export class EmbeddedPipeline {
  private log: EventLog;
  private readonly checkpoints: Checkpoints;
  /** Between a restore and `close`: where the processors run and the offsets their state covers. */
  private opened: { host: ProcessorHost; committed: Map<number, number> } | undefined;
  /** `open` was called: the state is kept between runs. */
  private standing = false;
  // State of one run (reset by `run`): the last offset handled per partition, and the commit being written.
  private uncommitted = new Map<number, number>();
  private lastCommit = Date.now();
  private committing: Promise<void> = Promise.resolve();
  /** The latest event time handled (see `STREAM_TIME`), and whether it moved since the last commit. */
  private streamTime = new StreamTime();

  /**
   * `processors`: makes the processors to run in this thread (called at each restore); by default
   * the job's processors, on LEDGERLINE_PROCESSOR_THREADS worker threads (0: in this thread).
   */
  constructor(
    private readonly store: ChdbStore,
    private readonly config: Config,
    private readonly processors?: () => Processor[],
    private readonly progress?: Progress,
  ) {
    this.log = new EventLog(store);
    this.checkpoints = new Checkpoints(store);
  }

  /**
   * Restores the processors' state now and keeps it between runs until `close`, so that a run costs
   * what it reads instead of a restore of everything processed before (a poller runs one per poll:
   * measured 10 s for an empty poll of a store holding 2.2M events). A run that fails drops the
   * state (it may be ahead of what was committed); the next run restores it again.
   */
  async open(): Promise<void> {
    this.standing = true;
    await this.restore();
  }

  /** Runs `follow` (a loop of runs) on this pipeline opened, and closes it after. */
  async whileOpen<T>(follow: () => Promise<T>): Promise<T> {
    await this.open();
    try {
      return await follow();
    } finally {
      await this.close();
    }
  }

  /** Stops the processors (threads) and drops their state; a later run restores it again. */
  async close(): Promise<void> {
    this.standing = false;
    await this.drop();
  }

  /** Processes the sources to their end. Without `open`, restores the processors first and drops them after. */
  async run(sources: readonly Source[]): Promise<RunSummary> {
    const started = Date.now();
    const { host, committed } = await this.restore();
    this.uncommitted = new Map();
    this.lastCommit = started;
    this.committing = Promise.resolve();
    const summary: RunSummary = { events_read: 0, events_logged: 0, duplicates: 0, dead_lettered: 0, processed: 0, replayed: 0, seconds: 0 };
    try {
      this.streamTime = new StreamTime(await this.checkpoints.get(STREAM_TIME));
      const bus = new EmbeddedBus<ErpEvent>(this.config.LEDGERLINE_BUS_PARTITIONS, this.config.LEDGERLINE_BUS_CAPACITY);
      await this.process(sources, bus, host, committed, summary);
    } catch (e) {
      await this.drop();
      throw e;
    }
    if (!this.standing) await this.drop();
    this.progress?.done();
    summary.seconds = Math.round((Date.now() - started) / 10) / 100;
    return summary;
  }

  /** The processors with their state as of the committed offsets, restored unless they are already. */
  private async restore(): Promise<{ host: ProcessorHost; committed: Map<number, number> }> {
    if (this.opened) return this.opened;
    const partitions = this.config.LEDGERLINE_BUS_PARTITIONS;
    const committed = await this.committedOffsets(partitions);
    // A new log: one left by a failed run may hold rows staged and never written.
    this.log = new EventLog(this.store);
    await this.log.open();
    const threads = this.processors ? 0 : processorThreads(this.config.LEDGERLINE_PROCESSOR_THREADS);
    const host = threads > 0 ? new ProcessorThreads(this.store, threads, partitions) : new InThreadProcessors(this.store, (this.processors ?? jobProcessors)());
    try {
      await host.restore(committed, (key) => partitionOf(key, partitions));
    } catch (e) {
      await host.close();
      throw e;
    }
    return (this.opened = { host, committed });
  }

  private async drop(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await opened?.host.close();
  }

  private async process(sources: readonly Source[], bus: EmbeddedBus<ErpEvent>, host: ProcessorHost, committed: Map<number, number>, summary: RunSummary): Promise<void> {
    const consumer = bus.consume(this.handler(host, committed, summary));
    // If processing fails, stop feeding the bus (a blocked publisher would otherwise wait forever).
    let failed: unknown;
    consumer.done.catch((e: unknown) => (failed = e));
    try {
      summary.replayed = await this.replay(bus, committed);
      await this.ingest(sources, bus, summary, () => failed);
    } catch (e) {
      bus.end();
      // Let writes in flight settle before the caller closes the store.
      await Promise.allSettled([consumer.done, this.committing]);
      throw e;
    }
    bus.end();
    await consumer.done;
    // Everything published is handled and the log is written: every partition, also one that got
    // no records lately, has processed all offsets up to the written end of the log (so the next
    // start replays nothing).
    for (let p = 0; p < bus.partitions; p++) this.uncommitted.set(p, this.log.durableOffset);
    await this.commit(host, committed);
    await this.committing;
  }

  private handler(host: ProcessorHost, committed: Map<number, number>, summary: RunSummary) {
    return async (batch: BusRecord<ErpEvent>[]) => {
      // Everything published on this bus is a LogRecord (see `busRecords`).
      await host.apply(batch as LogRecord[]);
      for (const record of batch) this.streamTime.see(record.value.occurred_at);
      const last = batch[batch.length - 1]!;
      this.uncommitted.set(last.partition, last.offset);
      summary.processed += batch.length;
      if (host.pendingRows >= COMMIT_ROWS || Date.now() - this.lastCommit >= this.config.LEDGERLINE_COMMIT_MS) await this.commit(host, committed);
    };
  }

  /**
   * Takes the processor outputs so far and writes them, then how far each partition is covered by
   * them — never past what the log has written: processors may run ahead of the log write, and an
   * offset committed beyond it would be skipped if a crash made the log assign it again. Processing
   * goes on while a commit is written; a second commit waits for the first (backpressure).
   */
  private async commit(host: ProcessorHost, committed: Map<number, number>): Promise<void> {
    const writeOutputs = host.flush();
    const durable = this.log.durableOffset;
    const values = new Map<string, string>();
    for (const [p, offset] of this.uncommitted) {
      // A partition's records arrive in offset order: all of them up to `durable` are processed.
      const covered = Math.min(offset, durable);
      if (covered > (committed.get(p) ?? 0)) {
        committed.set(p, covered);
        values.set(PARTITION_CHECKPOINT(p), String(covered));
      }
      if (offset <= durable) this.uncommitted.delete(p);
    }
    const time = this.streamTime.take();
    if (time !== undefined) values.set(STREAM_TIME, time);
    this.lastCommit = Date.now();
    const previous = this.committing;
    this.committing = (async () => {
      await previous;
      await writeOutputs();
      if (values.size) await this.checkpoints.set(values);
    })();
    this.committing.catch(() => {}); // awaited by the next commit or at the end of the run
    await previous;
  }

  private async committedOffsets(partitions: number): Promise<Map<number, number>> {
    const stored = await this.checkpoints.withPrefix('processors/');
    const recorded = stored.get(PARTITION_COUNT);
    if (recorded === undefined) await this.checkpoints.set(new Map([[PARTITION_COUNT, String(partitions)]]));
    else if (Number(recorded) !== partitions) {
      throw new ConfigError(
        `the data directory was processed with ${recorded} bus partitions, now ${partitions}: ` +
          `set LEDGERLINE_BUS_PARTITIONS=${recorded} (state is kept per partition and cannot be re-keyed in place).`,
      );
    }
    const committed = new Map<number, number>();
    for (let p = 0; p < partitions; p++) committed.set(p, Number(stored.get(PARTITION_CHECKPOINT(p)) ?? 0));
    return committed;
  }

  /** Logged events that some partition has not committed yet (a restart after a crash). */
  private async replay(bus: EmbeddedBus<ErpEvent>, committed: Map<number, number>): Promise<number> {
    const from = Math.min(...committed.values());
    let replayed = 0;
    for await (const chunk of this.log.readAfter(from)) {
      const records = busRecords(chunk).filter((r) => r.offset > (committed.get(bus.partitionOf(r.key)) ?? 0));
      replayed += chunk.length;
      await bus.publish(records);
      this.progress?.update('replaying log', replayed);
    }
    return replayed;
  }

  /**
   * Sources → validate → log (offsets, dedup) → bus, in small read batches, so that events reach
   * the processors and die young; the log rows, dead letters and source position are written in
   * large batches behind them (one write in flight; the next waits for it: backpressure).
   */
  private async ingest(sources: readonly Source[], bus: EmbeddedBus<ErpEvent>, summary: RunSummary, failure: () => unknown): Promise<void> {
    const keep = this.config.LEDGERLINE_DEAD_LETTER_RAW_BYTES;
    let writing: Promise<void> = Promise.resolve();
    // Durable in this order: log rows and dead letters, then the source position (a crash in between
    // re-reads the records, and the log deduplicates them).
    const write = async (deadLetters: DeadLetter[], checkpoint: string, resumeFrom: () => Promise<string>) => {
      const staged = this.log.take();
      await writing;
      writing = (async () => {
        const [position] = await Promise.all([resumeFrom(), staged && this.log.write(staged), this.store.insert('dead_letters', deadLetters)]);
        await this.checkpoints.set(new Map([[checkpoint, position]]));
      })();
      writing.catch(() => {}); // awaited by the next write or at the end
    };
    for (const source of sources) {
      const checkpoint = SOURCE_CHECKPOINT(source.id);
      let resumeFrom: (() => Promise<string>) | undefined;
      let deadLetters: DeadLetter[] = [];
      for await (const batch of source.batches(await this.checkpoints.get(checkpoint))) {
        if (failure()) return;
        summary.events_read += batch.records.length;
        const decoded = decodeBatch(source, batch, keep);
        deadLetters.push(...decoded.deadLetters);
        const { fresh, duplicates } = await this.log.accept(decoded.events, source.id);
        summary.events_logged += fresh.length;
        summary.duplicates += duplicates;
        summary.dead_lettered += decoded.deadLetters.length;
        await bus.publish(busRecords(fresh));
        resumeFrom = batch.resumeFrom;
        if (this.log.stagedCount >= this.config.LEDGERLINE_BATCH_EVENTS || deadLetters.length >= DEAD_LETTERS_PER_WRITE) {
          await write(deadLetters, checkpoint, resumeFrom);
          deadLetters = [];
        }
        const { done, total } = batch.progress;
        this.progress?.update(`ingesting ${source.name}`, summary.events_read, total ? done / total : undefined);
      }
      if (resumeFrom !== undefined) await write(deadLetters, checkpoint, resumeFrom);
    }
    await writing;
  }
}

/** One bus record per key of each event (a transfer between warehouses has two). */
function busRecords(logged: readonly LoggedEvent[]): LogRecord[] {
  const records: LogRecord[] = [];
  for (const { offset, event, json } of logged) for (const key of eventKeys(event)) records.push({ key, partition: 0, offset, value: event, json });
  return records;
}
