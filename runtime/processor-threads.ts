import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';
import type { LogRecord, ProcessorHost } from './processor-host.js';
import type { FromWorker, ToWorker } from './processor-worker.js';
import { startWorker } from './start-worker.js';
import { serveStore } from './worker-store.js';

/** Young generation of a processor thread, in MB (3 semi-spaces of 64 MB). */
const YOUNG_GENERATION_MB = 192;
/** Records messages a thread may have queued before `apply` waits (each up to a bus batch). */
const MAX_IN_FLIGHT = 4;

/** Processor threads for the setting: `auto` leaves a core to the main thread and one to the engine (see its description). */
export function processorThreads(setting: Config['LEDGERLINE_PROCESSOR_THREADS'], cores = availableParallelism()): number {
  return setting === 'auto' ? (cores <= 2 ? 0 : Math.min(4, cores - 2)) : setting;
}

interface Thread {
  index: number;
  worker: Worker;
  inFlight: number;
  pendingRows: number;
  wake?: () => void;
  restored?: { resolve(): void; reject(e: Error): void };
  flushes: Map<number, { resolve(): void; reject(e: Error): void }>;
}

/**
 * The job's processors on worker threads, each owning the bus partitions p with p mod threads =
 * its index, the way instances of a Kafka consumer group own theirs: the state of a key lives in
 * one thread. This thread keeps ingest (read, validate, log) and the store; a processor thread gets
 * each record as its logged JSON text (parsed again there: cheaper than copying an object graph
 * between threads) and sends its output rows back as TabSeparated bytes.
 */
export class ProcessorThreads implements ProcessorHost {
  private readonly threads: Thread[];
  private failure: Error | undefined;
  private closing = false;
  private flushSeq = 0;

  constructor(
    private readonly store: Store,
    count: number,
    private readonly partitions: number,
  ) {
    this.threads = Array.from({ length: count }, (_, index) => this.start(index));
  }

  private start(index: number): Thread {
    // A young generation as large as the main thread's (--max-semi-space-size=64): records die
    // young there, and a small one promotes them to the old generation before they do.
    const worker = startWorker(import.meta.url, 'processor-worker', { name: `ledgerline-processors-${index}`, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const thread: Thread = { index, worker, inFlight: 0, pendingRows: 0, flushes: new Map() };
    const storeRequest = serveStore(worker, this.store);
    worker.on('message', (m: FromWorker | { t: string }) => {
      if (storeRequest(m)) return;
      const message = m as FromWorker;
      switch (message.t) {
        case 'applied':
          thread.inFlight--;
          thread.pendingRows = message.pendingRows;
          thread.wake?.();
          return;
        case 'restored':
          thread.restored?.resolve();
          return;
        case 'flushed':
          thread.flushes.get(message.seq)?.resolve();
          thread.flushes.delete(message.seq);
          return;
        case 'failed':
          this.fail(new Error(`processor thread ${index} failed: ${message.message}`));
          return;
      }
    });
    worker.on('error', (e) => this.fail(new Error(`processor thread ${index} failed: ${e.stack ?? e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`processor thread ${index} exited (code ${code}) while the pipeline ran`));
    });
    return thread;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const t of this.threads) {
      t.restored?.reject(e);
      for (const f of t.flushes.values()) f.reject(e);
      t.flushes.clear();
      t.wake?.();
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private post(thread: Thread, message: ToWorker): void {
    thread.worker.postMessage(message);
  }

  async restore(committed: ReadonlyMap<number, number>): Promise<void> {
    // One thread at a time: the store's streamed reads end when another statement starts.
    for (const thread of this.threads) {
      const owned = [...committed].filter(([p]) => p % this.threads.length === thread.index);
      await new Promise<void>((resolve, reject) => {
        thread.restored = { resolve, reject };
        this.throwIfFailed();
        this.post(thread, { t: 'restore', committed: owned, partitions: this.partitions });
      });
    }
  }

  async apply(batch: readonly LogRecord[]): Promise<void> {
    this.throwIfFailed();
    const partition = batch[0]!.partition;
    const thread = this.threads[partition % this.threads.length]!;
    const keys: string[] = [];
    const ingested: string[] = [];
    const lines: string[] = [];
    for (const r of batch) {
      // Consecutive records mostly share their ingestion time: each distinct one is sent once.
      // (Validation filled it in: a logged event has one.)
      const at = r.value.ingested_at!;
      if (ingested[ingested.length - 1] !== at) ingested.push(at);
      keys.push(r.key);
      lines.push(`${r.offset}\t${ingested.length - 1}\t${r.json}`);
    }
    this.post(thread, { t: 'records', partition, lines: lines.join('\n'), keys, ingested });
    thread.inFlight++;
    while (thread.inFlight > MAX_IN_FLIGHT && !this.failure) await new Promise<void>((resolve) => (thread.wake = resolve));
    this.throwIfFailed();
  }

  get pendingRows(): number {
    return this.threads.reduce((n, t) => n + t.pendingRows, 0);
  }

  flush(): () => Promise<void> {
    this.throwIfFailed();
    const seq = ++this.flushSeq;
    const written = Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<void>((resolve, reject) => {
            thread.flushes.set(seq, { resolve, reject });
            thread.pendingRows = 0;
            this.post(thread, { t: 'flush', seq });
          }),
      ),
    );
    written.catch(() => {}); // awaited by the caller's commit
    return async () => {
      await written;
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
