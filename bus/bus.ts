/**
 * The bus between ingest and processors. The embedded implementation is in-process; the Kafka one
 * (distributed mode) implements the same interface. Records with the same key land in the same
 * partition and are delivered in publish order; a partition is consumed by one handler at a time.
 */
export interface BusRecord<T> {
  key: string;
  partition: number;
  /** Position of the record in the log it came from (the event log offset in embedded mode). */
  offset: number;
  value: T;
}

export interface Bus<T> {
  readonly partitions: number;
  partitionOf(key: string): number;
  /**
   * Accepts records; resolves once they are buffered, waiting while the bus is full (backpressure).
   * The bus sets each record's `partition` (records are taken as they are: no copy per record).
   */
  publish(records: ReadonlyArray<BusRecord<T>>): Promise<void>;
  /**
   * Delivers batches (each from one partition, in order) to `handler`, one batch at a time. The next
   * batch is taken only after the handler's promise resolves.
   */
  consume(handler: (batch: BusRecord<T>[]) => Promise<void>): Consumer;
  /** No more records will be published; consumers finish what is buffered. */
  end(): void;
}

export interface Consumer {
  /** Resolves when the bus has ended and everything was handled; rejects if the handler failed. */
  readonly done: Promise<void>;
}
