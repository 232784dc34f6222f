import type { BusRecord } from '../bus/bus.js';
import type { ErpEvent } from '../events/schema.js';
import type { Processor } from '../processors/processor.js';
import type { Store } from '../store/store.js';
import { Outputs } from './outputs.js';

/** A bus record of the embedded pipeline: the event with its JSON text as logged. */
export interface LogRecord extends BusRecord<ErpEvent> {
  json: string;
}

/**
 * Where the embedded pipeline's processors run: in this thread, or on worker threads that each own
 * some bus partitions (`ProcessorThreads`), the way instances of a Kafka consumer group do. Either
 * way the outputs of a flush are in the store before the function `flush` returned resolves, and
 * only then may offsets up to it be committed.
 */
export interface ProcessorHost {
  /** Rebuilds the processors' state as of each partition's committed offset (see `Processor.restore`). */
  restore(committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void>;
  /** Applies records of one partition, in order. May wait (backpressure); rejects once a processor failed. */
  apply(batch: readonly LogRecord[]): void | Promise<void>;
  /** Output rows buffered since the last `flush` (as far as known: a commit is due past COMMIT_ROWS). */
  readonly pendingRows: number;
  /**
   * Cuts the outputs of everything applied so far; the returned function writes them to the store
   * (called after the previous commit's writes, so that outputs land in order) and resolves when done.
   */
  flush(): () => Promise<void>;
  close(): Promise<void>;
}

/** The processors in this thread. */
export class InThreadProcessors implements ProcessorHost {
  private pending = new Outputs();

  constructor(
    private readonly store: Store,
    private readonly processors: readonly Processor[],
  ) {}

  async restore(committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void> {
    for (const processor of this.processors) await processor.restore(this.store, committed, partitionOf);
  }

  apply(batch: readonly BusRecord<ErpEvent>[]): void {
    for (const record of batch) for (const processor of this.processors) processor.apply(record, this.pending);
  }

  get pendingRows(): number {
    return this.pending.rows;
  }

  flush(): () => Promise<void> {
    for (const processor of this.processors) processor.flush(this.pending);
    const outputs = this.pending;
    this.pending = new Outputs();
    return () => outputs.writeTo(this.store);
  }

  async close(): Promise<void> {}
}
