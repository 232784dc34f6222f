import type { ErpEvent } from '../events/schema.js';
import { validateEvent } from '../events/validate.js';
import type { ChdbStore } from './chdb-store.js';
import { EventIdFilter } from './event-id-filter.js';
import { tsvField } from './tsv.js';

/** An event to append, with where it came from. */
export interface LogEntry {
  offset: number;
  event: ErpEvent;
  /** The source bytes of the event, if any. */
  raw?: Buffer;
  sourceId: string;
  position: number;
}

/** An event with its position in the log. */
export interface LoggedEvent {
  offset: number;
  event: ErpEvent;
}

/** Ids the dedup filter is sized for at least (1.2 MB of bits). */
const MIN_FILTER_CAPACITY = 1_000_000;

const LOG_COLUMNS = ['log_offset', 'event_id', 'type', 'company', 'occurred_at', 'ingested_at', 'source_id', 'position', 'payload'];

/**
 * The embedded mode's durable log: the `events` table. An event is appended once (deduplicated by
 * event_id), gets the next offset, and is what processors replay from after a restart. A source may
 * acknowledge its input once `append` has resolved.
 */
export class EventLog {
  private filter = new EventIdFilter(MIN_FILTER_CAPACITY);

  constructor(private readonly store: ChdbStore) {}

  /** Loads the ids already in the log into the dedup filter (once, before appending). */
  async open(): Promise<void> {
    const [row] = await this.store.query<{ n: number }>('SELECT count() AS n FROM events');
    await this.rebuildFilter(Math.max(MIN_FILTER_CAPACITY, 2 * (row?.n ?? 0)));
  }

  private async rebuildFilter(capacity: number): Promise<void> {
    const filter = new EventIdFilter(capacity);
    for await (const rows of this.store.queryChunks<{ event_id: string }>('SELECT event_id FROM events')) {
      for (const r of rows) filter.add(r.event_id);
    }
    this.filter = filter;
  }

  async lastOffset(): Promise<number> {
    const [row] = await this.store.query<{ last: number }>('SELECT max(log_offset) AS last FROM events');
    return row?.last ?? 0;
  }

  /** Which of these ids are already in the log. Only ids the filter cannot rule out are looked up. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    const candidates = ids.filter((id) => this.filter.mightContain(id));
    if (candidates.length === 0) return new Set();
    await this.store.command('TRUNCATE TABLE dedup_probe');
    await this.store.insertTsv('dedup_probe', ['event_id'], Buffer.from(candidates.map(tsvField).join('\n') + '\n'));
    const rows = await this.store.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE event_id IN (SELECT event_id FROM dedup_probe)',
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /**
   * The payload is the event as the source sent it (`raw`; serialized when the source has no text),
   * so the log keeps the original. Defaults that validation filled in (event_id, schema_version) are
   * columns, and are filled in again on replay. Rows are written straight into one buffer: the
   * source bytes are copied, not decoded and re-encoded (this is the hottest loop of ingest).
   */
  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    let size = 0;
    for (const e of entries) size += (e.raw?.length ?? 1024) + 512;
    let buf = Buffer.allocUnsafe(size);
    let at = 0;
    for (const { offset, event, raw, sourceId, position } of entries) {
      const head = `${offset}\t${tsvField(event.event_id)}\t${event.type}\t${tsvField(event.company)}\t${event.occurred_at}\t${event.ingested_at}\t${tsvField(sourceId)}\t${position}\t`;
      const clean = raw !== undefined && raw.indexOf(0x5c) === -1 && raw.indexOf(0x09) === -1 && raw.indexOf(0x0a) === -1 && raw.indexOf(0x0d) === -1;
      const payload = clean ? undefined : tsvField(raw ? raw.toString('utf8') : JSON.stringify(event));
      const need = Buffer.byteLength(head) + (clean ? raw!.length : Buffer.byteLength(payload!)) + 1;
      if (at + need > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + need));
        buf.copy(bigger, 0, 0, at);
        buf = bigger;
      }
      at += buf.write(head, at);
      at += clean ? raw!.copy(buf, at) : buf.write(payload!, at);
      buf[at++] = 0x0a;
    }
    await this.store.insertTsv('events', LOG_COLUMNS, buf.subarray(0, at));
    for (const { event } of entries) this.filter.add(event.event_id);
    // Past its capacity the filter's false-positive rate climbs: size it up from the log itself.
    if (this.filter.count > this.filter.capacity) await this.rebuildFilter(this.filter.count * 2);
  }

  /** The events after `offset`, in offset order, in pages (no open stream: writes may run meanwhile). */
  async *readAfter(offset: number, pageSize = 50_000): AsyncIterable<LoggedEvent[]> {
    for (let from = offset; ; ) {
      const rows = await this.store.query<{ log_offset: number; payload: string; ingested_at: string }>(
        'SELECT log_offset, payload, ingested_at FROM events WHERE log_offset > {from:UInt64} ORDER BY log_offset LIMIT {limit:UInt32}',
        { from, limit: pageSize },
      );
      if (rows.length === 0) return;
      yield rows.map((r) => {
        const result = validateEvent(JSON.parse(r.payload), r.ingested_at);
        if (!result.ok) throw new Error(`event log offset ${r.log_offset} no longer validates (${result.reason}): was the schema changed incompatibly?`);
        return { offset: r.log_offset, event: result.event };
      });
      from = rows[rows.length - 1]!.log_offset;
    }
  }
}
