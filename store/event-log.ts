import type { ErpEvent } from '../events/schema.js';
import type { ChdbStore } from './chdb-store.js';
import { tsvField } from './tsv.js';

/** An event with its position in the log. */
export interface LoggedEvent {
  offset: number;
  event: ErpEvent;
}

const LOG_COLUMNS = ['log_offset', 'event_id', 'type', 'company', 'occurred_at', 'ingested_at', 'source_id', 'position', 'payload'];

/**
 * The embedded mode's durable log: the `events` table. An event is appended once (deduplicated by
 * event_id), gets the next offset, and is what processors replay from after a restart. A source may
 * acknowledge its input once `append` has resolved.
 */
export class EventLog {
  constructor(private readonly store: ChdbStore) {}

  async lastOffset(): Promise<number> {
    const [row] = await this.store.query<{ last: number }>('SELECT max(log_offset) AS last FROM events');
    return row?.last ?? 0;
  }

  /** Which of these ids are already in the log. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // Large bound arrays are very slow to bind in chDB; a probe table joined by the primary key is not.
    await this.store.command('CREATE TABLE IF NOT EXISTS dedup_probe (event_id String) ENGINE = Memory');
    await this.store.command('TRUNCATE TABLE dedup_probe');
    await this.store.insertTsv('dedup_probe', ['event_id'], Buffer.from(ids.map(tsvField).join('\n') + '\n'));
    const rows = await this.store.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE event_id IN (SELECT event_id FROM dedup_probe)',
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async append(entries: ReadonlyArray<{ offset: number; event: ErpEvent; sourceId: string; position: number }>): Promise<void> {
    let tsv = '';
    for (const { offset, event, sourceId, position } of entries) {
      tsv += `${offset}\t${tsvField(event.event_id)}\t${event.type}\t${tsvField(event.company)}\t${event.occurred_at}\t${event.ingested_at}\t${tsvField(sourceId)}\t${position}\t${tsvField(JSON.stringify(event))}\n`;
    }
    await this.store.insertTsv('events', LOG_COLUMNS, Buffer.from(tsv));
  }

  /** The events after `offset`, in offset order, in pages (no open stream: writes may run meanwhile). */
  async *readAfter(offset: number, pageSize = 50_000): AsyncIterable<LoggedEvent[]> {
    for (let from = offset; ; ) {
      const rows = await this.store.query<{ log_offset: number; payload: string }>(
        'SELECT log_offset, payload FROM events WHERE log_offset > {from:UInt64} ORDER BY log_offset LIMIT {limit:UInt32}',
        { from, limit: pageSize },
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({ offset: r.log_offset, event: JSON.parse(r.payload) as ErpEvent }));
      from = rows[rows.length - 1]!.log_offset;
    }
  }
}
