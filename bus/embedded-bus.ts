import type { Bus, BusRecord, Consumer } from './bus.js';
import { partitionOf } from './partitioner.js';

/**
 * In-process bus: per-partition FIFO queues with one bound on everything buffered. Publishers wait
 * while the bound is reached, so a fast source is throttled to the processors' pace and memory
 * stays bounded. The records are not durable here: in embedded mode the store's event log is.
 */
export class EmbeddedBus<T> implements Bus<T> {
  private readonly queues: BusRecord<T>[][];
  private readonly heads: number[];
  private buffered = 0;
  private ended = false;
  private failure: unknown;
  private waitingPublishers: (() => void)[] = [];
  private wakeConsumer: (() => void) | undefined;

  constructor(
    readonly partitions: number,
    private readonly capacity: number,
    private readonly maxBatch = 5000,
  ) {
    this.queues = Array.from({ length: partitions }, () => []);
    this.heads = Array.from({ length: partitions }, () => 0);
  }

  partitionOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  async publish(records: ReadonlyArray<BusRecord<T>>): Promise<void> {
    if (this.ended) throw new Error('bus has ended: publish after end()');
    for (const r of records) {
      while (this.buffered >= this.capacity) {
        this.throwIfFailed();
        this.notifyConsumer();
        await new Promise<void>((resolve) => this.waitingPublishers.push(resolve));
      }
      this.throwIfFailed();
      r.partition = this.partitionOf(r.key);
      this.queues[r.partition]!.push(r);
      this.buffered++;
    }
    this.notifyConsumer();
  }

  private throwIfFailed(): void {
    if (this.failure) throw new Error('bus consumer failed; nothing more can be published', { cause: this.failure });
  }

  end(): void {
    this.ended = true;
    this.notifyConsumer();
  }

  /** Records buffered and not yet taken by the consumer. */
  get size(): number {
    return this.buffered;
  }

  consume(handler: (batch: BusRecord<T>[]) => Promise<void>): Consumer {
    const done = (async () => {
      let next = 0;
      for (;;) {
        const batch = this.take(next);
        if (batch) {
          next = (batch[0]!.partition + 1) % this.partitions;
          try {
            await handler(batch);
          } catch (e) {
            // Publishers waiting for room would wait forever: release them with the failure.
            this.failure = e;
            for (const wake of this.waitingPublishers.splice(0)) wake();
            throw e;
          }
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      }
    })();
    return { done };
  }

  /** The next non-empty partition from `start`, round robin, so no partition starves. */
  private take(start: number): BusRecord<T>[] | undefined {
    for (let i = 0; i < this.partitions; i++) {
      const p = (start + i) % this.partitions;
      const queue = this.queues[p]!;
      const head = this.heads[p]!;
      if (head >= queue.length) continue;
      const end = Math.min(queue.length, head + this.maxBatch);
      const batch = queue.slice(head, end);
      if (end === queue.length) {
        this.queues[p] = [];
        this.heads[p] = 0;
      } else this.heads[p] = end;
      this.buffered -= batch.length;
      const waiting = this.waitingPublishers;
      this.waitingPublishers = [];
      for (const wake of waiting) wake();
      return batch;
    }
    return undefined;
  }

  private notifyConsumer(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}
