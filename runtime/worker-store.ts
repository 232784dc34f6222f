/**
 * The store reached from a worker thread through its parent: chDB runs once per process (one
 * engine per data directory), so a worker cannot open it; it sends its reads and writes to the
 * thread that owns it. Both ends are here: `PortStore` in the worker, `serveStore` in the owner.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Store } from '../store/store.js';

export type StoreRequest =
  | { t: 'store'; id: number; op: 'query' | 'queryChunks'; sql: string; params?: Record<string, unknown> }
  | { t: 'store'; id: number; op: 'insert'; table: string; rows: readonly object[] }
  | { t: 'store'; id: number; op: 'insertTsv'; table: string; columns: readonly string[]; tsv: Uint8Array }
  | { t: 'store'; id: number; op: 'command'; sql: string }
  /** The worker took a chunk of a `queryChunks` stream: the next may come. */
  | { t: 'store-ack'; id: number };

export type StoreReply =
  | { t: 'store-done'; id: number; result?: unknown }
  | { t: 'store-chunk'; id: number; rows: unknown[] }
  | { t: 'store-failed'; id: number; message: string };

/** Answers a worker's store requests with `store` (requests of other kinds are left to the caller). */
export function serveStore(worker: Worker, store: Store): (message: { t: string }) => boolean {
  const acks = new Map<number, () => void>();
  const reply = (message: StoreReply) => worker.postMessage(message);
  const run = async (request: Extract<StoreRequest, { t: 'store' }>): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return store.query(request.sql, request.params);
      case 'queryChunks':
        // One chunk in flight: the worker's queue holds no more than the one it is working on.
        for await (const rows of store.queryChunks(request.sql, request.params)) {
          const taken = new Promise<void>((resolve) => acks.set(request.id, resolve));
          reply({ t: 'store-chunk', id: request.id, rows });
          await taken;
        }
        return undefined;
      case 'insert':
        return store.insert(request.table, request.rows);
      case 'insertTsv':
        return store.insertTsv(request.table, request.columns, Buffer.from(request.tsv.buffer, request.tsv.byteOffset, request.tsv.byteLength));
      case 'command':
        return store.command(request.sql);
    }
  };
  return (message) => {
    const m = message as StoreRequest;
    if (m.t === 'store-ack') {
      acks.get(m.id)?.();
      acks.delete(m.id);
      return true;
    }
    if (m.t !== 'store') return false;
    run(m).then(
      (result) => reply({ t: 'store-done', id: m.id, result }),
      (e: unknown) => reply({ t: 'store-failed', id: m.id, message: (e as Error).message ?? String(e) }),
    );
    return true;
  };
}

/** The worker's side: a `Store` whose every call is a message to the owning thread. */
export class PortStore implements Store {
  private next = 1;
  private readonly calls = new Map<number, { resolve(result: unknown): void; reject(e: Error): void; chunk?(rows: unknown[]): void }>();

  constructor(private readonly port: MessagePort) {}

  /** Handles a reply from the owner; false for messages of other kinds. */
  receive(message: { t: string }): boolean {
    const m = message as StoreReply;
    const call = this.calls.get(m.id);
    if (!call || !m.t.startsWith('store-')) return false;
    if (m.t === 'store-chunk') call.chunk?.(m.rows);
    else {
      this.calls.delete(m.id);
      if (m.t === 'store-done') call.resolve(m.result);
      else call.reject(new Error(m.message));
    }
    return true;
  }

  private call<T>(request: Record<string, unknown>, transfer: ArrayBuffer[] = [], chunk?: (rows: unknown[]) => void, id = this.next++): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (r: unknown) => void, reject, chunk });
      this.port.postMessage({ t: 'store', id, ...request }, transfer);
    });
  }

  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.call<T[]>({ op: 'query', sql, params });
  }

  async *queryChunks<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): AsyncIterable<T[]> {
    const id = this.next++;
    const chunks: T[][] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: Error | undefined;
    const push = (rows: unknown[]) => {
      chunks.push(rows as T[]);
      wake?.();
    };
    this.call<void>({ op: 'queryChunks', sql, params }, [], push, id).then(
      () => {
        finished = true;
        wake?.();
      },
      (e: Error) => {
        failure = e;
        wake?.();
      },
    );
    for (;;) {
      const rows = chunks.shift();
      if (rows) {
        this.port.postMessage({ t: 'store-ack', id } satisfies StoreRequest);
        yield rows;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  }

  insert(table: string, rows: readonly object[]): Promise<void> {
    return this.call({ op: 'insert', table, rows });
  }

  insertTsv(table: string, columns: readonly string[], tsv: Buffer | readonly Buffer[]): Promise<void> {
    // Copied into memory of its own, which moves to the owner without another copy (the chunks
    // themselves are pooled and reused once the write returns).
    const parts = Buffer.isBuffer(tsv) ? [tsv] : tsv;
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return this.call({ op: 'insertTsv', table, columns, tsv: bytes }, [bytes.buffer]);
  }

  command(sql: string): Promise<void> {
    return this.call({ op: 'command', sql });
  }

  /** The owner closes the store. */
  async close(): Promise<void> {}
}
