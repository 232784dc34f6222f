import type { BusRecord } from '../bus/bus.js';
import type { ErpEvent } from '../events/schema.js';
import type { Store } from '../store/store.js';

/** Where a processor puts its output rows; the runtime writes them to the store before committing offsets. */
export interface Emitter {
  emit(table: string, row: object): void;
}

/**
 * A deterministic function of the records of the partitions it owns. Every output row carries the
 * log offset of the input that produced it, and the tables it writes are idempotent, so replaying
 * records after a crash reproduces the same rows instead of adding to them.
 */
export interface Processor {
  readonly name: string;
  /** Applies one record (its offset is the event's log offset), in partition order. */
  apply(record: BusRecord<ErpEvent>, out: Emitter): void;
  /** Emits the rows that make the store reflect the current state (called before each commit). */
  flush(out: Emitter): void;
  /**
   * Rebuilds state from the store's output tables as of each partition's committed offset (rows
   * written after it, by a run that crashed before committing, are ignored: the log replays them).
   */
  restore(store: Store, committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void>;
}
