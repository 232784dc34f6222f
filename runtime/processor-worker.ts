/**
 * A processor thread (see processor-threads.ts): runs the job's processors for the bus partitions
 * it is sent, and writes their outputs through the owning thread's store.
 */
import { parentPort } from 'node:worker_threads';
import { partitionOf } from '../bus/partitioner.js';
import { eventId } from '../events/event-id.js';
import { SCHEMA_VERSION, type ErpEvent } from '../events/schema.js';
import { jobProcessors } from './job-processors.js';
import type { BusRecord } from '../bus/bus.js';
import { InThreadProcessors } from './processor-host.js';
import { PortStore } from './worker-store.js';

export type ToWorker =
  | { t: 'restore'; committed: Array<[partition: number, offset: number]>; partitions: number }
  /**
   * Records of one partition, in order: `lines` holds one `offset \t ingested index \t JSON` line per
   * record (one string: one copy to send, not one per record); `keys` and `ingested` (the distinct
   * ingestion times) come as their own strings, because cut out of `lines` they would keep the whole
   * batch alive for as long as the processors' state holds them.
   */
  | { t: 'records'; partition: number; lines: string; keys: string[]; ingested: string[] }
  | { t: 'flush'; seq: number };

export type FromWorker =
  | { t: 'restored' }
  /** A records message is applied; `pendingRows`: output rows since the last flush. */
  | { t: 'applied'; pendingRows: number }
  /** The outputs of flush `seq` are in the store. */
  | { t: 'flushed'; seq: number }
  | { t: 'failed'; message: string };

/**
 * The event of a logged JSON text. It was validated before it was logged; validation only filled in
 * what a source may omit, and the same is filled in here (as the log's replay does by validating).
 */
function loggedEvent(json: string, ingestedAt: string): ErpEvent {
  const e = JSON.parse(json) as ErpEvent & { schema_version?: number };
  e.schema_version ??= SCHEMA_VERSION;
  e.ingested_at ??= ingestedAt;
  e.event_id ??= eventId(e.source, e.type, e.record_id, e.version);
  return e;
}

function records(m: Extract<ToWorker, { t: 'records' }>): BusRecord<ErpEvent>[] {
  const out: BusRecord<ErpEvent>[] = [];
  const { lines, keys, ingested, partition } = m;
  let start = 0;
  for (let i = 0; i < keys.length; i++) {
    const end = i === keys.length - 1 ? lines.length : lines.indexOf('\n', start);
    const a = lines.indexOf('\t', start);
    const b = lines.indexOf('\t', a + 1);
    const json = lines.slice(b + 1, end);
    out.push({ key: keys[i]!, partition, offset: Number(lines.slice(start, a)), value: loggedEvent(json, ingested[Number(lines.slice(a + 1, b))]!) });
    start = end + 1;
  }
  return out;
}

if (parentPort) {
  const port = parentPort;
  const store = new PortStore(port);
  const host = new InThreadProcessors(store, jobProcessors());
  let writing: Promise<void> = Promise.resolve();
  let failed = false;
  const post = (message: FromWorker) => port.postMessage(message);
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    post({ t: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  };
  port.on('message', (m: ToWorker | { t: string }) => {
    if (store.receive(m) || failed) return;
    const message = m as ToWorker;
    try {
      switch (message.t) {
        case 'restore':
          host.restore(new Map(message.committed), (key) => partitionOf(key, message.partitions)).then(() => post({ t: 'restored' }), fail);
          return;
        case 'records':
          host.apply(records(message));
          post({ t: 'applied', pendingRows: host.pendingRows });
          return;
        case 'flush': {
          // Cut now (after every record sent before), written after the previous flush's rows.
          const write = host.flush();
          const seq = message.seq;
          writing = writing.then(write).then(() => post({ t: 'flushed', seq }));
          writing.catch(fail);
          return;
        }
      }
    } catch (e) {
      fail(e);
    }
  });
}
