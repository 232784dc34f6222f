import type { ErpEvent } from '../events/schema.js';
import { validateEvent } from '../events/validate.js';
import type { ChdbStore } from './chdb-store.js';
import { EventIdFilter, fingerprint } from './event-id-filter.js';
import { sqlString } from './sql.js';
import { tsvField } from './tsv.js';
import { ByteChunks } from './byte-chunks.js';

/** An event offered to the log, with where it came from. */
export interface LogCandidate {
  event: ErpEvent;
  /** The event's JSON as received, if the source read JSON (the log keeps it). */
  json?: string;
  /** `json` is ASCII without backslash, tab or CR: it and every string in the event go into the row as they are. */
  plain?: boolean;
  position: number;
}

/** An event with its position in the log and its JSON text as logged (defaults filled in by validation may be missing from it). */
export interface LoggedEvent {
  offset: number;
  event: ErpEvent;
  json: string;
}

/** Accepted events not yet written: their log rows, their ids, the last offset they cover. */
export interface StagedLog {
  tsv: Buffer[];
  ids: StagingBuffer;
  lastOffset: number;
}

/** Up to this many ids are looked up with an inline list; more go through the probe table. */
const INLINE_LOOKUP_IDS = 500;

/** Ids the dedup filter is sized for at least (it grows beyond). */
const MIN_FILTER_CAPACITY = 1_000_000;

const LOG_COLUMNS = ['log_offset', 'event_id', 'type', 'company', 'occurred_at', 'ingested_at', 'source_id', 'position', 'payload'];

/**
 * The embedded mode's durable log: the `events` table. An event is accepted once (deduplicated by
 * event_id), gets the next offset, and is what processors replay from after a restart.
 *
 * Accepting and writing are separate steps so that ingest can hand accepted events to processors
 * at once (they die young: cheap for the garbage collector) while their rows are written in large
 * inserts. Deduplication stays exact: ids staged or being written are held in memory, ids written
 * before are in the table (a fingerprint set spares memory and table checks for all but real duplicates).
 */
export class EventLog {
  /** Sized by `open` for the ids in the table. */
  private filter = new EventIdFilter(0);
  private next = 1;
  private staged = new StagingBuffer();
  /** Rows taken for writing and not yet written, with their ids (one per `take`). */
  private unwritten: StagingBuffer[] = [];
  private durable = 0;

  constructor(private readonly store: ChdbStore) {}

  /** Loads the ids already in the log into the dedup filter and finds the next offset (before any other statement runs: it streams). */
  async open(): Promise<void> {
    const [row] = await this.store.query<{ n: number; last: number }>('SELECT count() AS n, max(log_offset) AS last FROM events');
    const filter = new EventIdFilter(Math.max(MIN_FILTER_CAPACITY, 2 * (row?.n ?? 0)));
    for await (const rows of this.store.queryChunks<{ event_id: string }>('SELECT event_id FROM events')) {
      for (const r of rows) filter.add(r.event_id);
    }
    this.filter = filter;
    this.next = (row?.last ?? 0) + 1;
    this.durable = row?.last ?? 0;
  }

  /**
   * Gives the new events of `candidates` (in order) their offsets and stages their rows; the rest
   * are duplicates of the log. The staged rows are written by `write`.
   */
  async accept(candidates: readonly LogCandidate[], sourceId: string): Promise<{ fresh: LoggedEvent[]; duplicates: number }> {
    // Each id is hashed once; the filter, the staged rows and the rows being written are all
    // searched by that fingerprint.
    const fingerprints = new Uint32Array(2 * candidates.length);
    // Ids the filter cannot rule out: staged or being written (decided now: a write finishing
    // during the lookup below moves its ids from memory to the table), else only the table knows.
    let inMemory: Set<string> | undefined;
    let lookup: string[] | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i]!.event.event_id;
      const [a, b] = fingerprint(id);
      fingerprints[2 * i] = a;
      fingerprints[2 * i + 1] = b;
      if (!this.filter.containsFingerprint(a, b)) continue;
      if (this.staged.has(a, b, id) || this.unwritten.some((rows) => rows.has(a, b, id))) (inMemory ??= new Set()).add(id);
      else (lookup ??= []).push(id);
    }
    const inTable = lookup ? await this.inTable(lookup) : undefined;
    const fresh: LoggedEvent[] = [];
    let duplicates = 0;
    const sourceField = tsvField(sourceId);
    for (let i = 0; i < candidates.length; i++) {
      const { event, json, plain, position } = candidates[i]!;
      const id = event.event_id;
      const a = fingerprints[2 * i]!;
      const b = fingerprints[2 * i + 1]!;
      // A fingerprint the filter knew already: found above, or a repeat within this batch (then it
      // is staged); the exact checks tell a duplicate from another id with the same fingerprint.
      if (!this.filter.addFingerprint(a, b) && (inMemory?.has(id) || inTable?.has(id) || this.staged.has(a, b, id))) {
        duplicates++;
        continue;
      }
      const offset = this.next++;
      const text = json ?? JSON.stringify(event);
      this.staged.add(offset, event, text, plain === true, sourceField, position, a, b);
      fresh.push({ offset, event, json: text });
    }
    return { fresh, duplicates };
  }

  /** Rows staged since the last `take`. */
  get stagedCount(): number {
    return this.staged.size;
  }

  /** Takes the staged rows for writing; their ids stay known as unwritten until `write` ends. */
  take(): StagedLog | undefined {
    if (this.staged.size === 0) return undefined;
    const taken = this.staged.take();
    this.staged = new StagingBuffer();
    this.unwritten.push(taken.ids);
    return taken;
  }

  /** Writes taken rows. Calls must come in `take` order (the log's offsets are written in order). */
  async write(staged: StagedLog): Promise<void> {
    await this.store.insertTsv('events', LOG_COLUMNS, staged.tsv);
    this.unwritten = this.unwritten.filter((ids) => ids !== staged.ids);
    staged.ids.release();
    this.durable = staged.lastOffset;
  }

  /** Every offset up to this one is written. */
  get durableOffset(): number {
    return this.durable;
  }

  /**
   * Which of these ids are in the events table. A few (the usual case: some redeliveries) go inline
   * in one statement; many go through a probe table joined on the primary key (binding a large
   * array parameter is very slow in chDB).
   */
  private async inTable(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length <= INLINE_LOOKUP_IDS) {
      const rows = await this.store.query<{ event_id: string }>(`SELECT event_id FROM events WHERE event_id IN (${ids.map(sqlString).join(', ')})`);
      return new Set(rows.map((r) => r.event_id));
    }
    await this.store.command('TRUNCATE TABLE dedup_probe');
    await this.store.insertTsv('dedup_probe', ['event_id'], Buffer.from(ids.map(tsvField).join('\n') + '\n'));
    const rows = await this.store.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id IN (SELECT event_id FROM dedup_probe)');
    return new Set(rows.map((r) => r.event_id));
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
        return { offset: r.log_offset, event: result.event, json: r.payload };
      });
      from = rows[rows.length - 1]!.log_offset;
    }
  }
}

/**
 * Log rows in TabSeparated form, written straight into a growing buffer: the payload is the
 * event's source bytes, copied, not decoded and re-encoded (this is the hottest loop of ingest).
 * Defaults that validation filled in (event_id, schema_version) are columns, and are filled in again
 * on replay.
 */
class StagingBuffer {
  private readonly out = new ByteChunks();
  private lastOffset = 0;
  /**
   * The staged ids, without keeping their strings (they would live through young-generation GCs
   * into the old one): 64-bit fingerprints in open addressing, each with the position of its row;
   * a fingerprint match is confirmed against the event_id in the row's bytes, so `has` is exact.
   */
  private slots = new Uint32Array(2 * INDEX_SLOTS);
  private rows = new Float64Array(INDEX_SLOTS);
  private mask = INDEX_SLOTS - 1;
  size = 0;

  /**
   * Stages a row; `sourceField` is the source id as a TSV field, `a`, `b` are the event id's
   * `fingerprint`. A `plain` JSON text (see `LogCandidate`) is copied without escaping or encoding.
   */
  add(offset: number, event: ErpEvent, json: string, plain: boolean, sourceField: string, position: number, a: number, b: number): void {
    const row = plain
      ? `${offset}\t${event.event_id}\t${event.type}\t${event.company}\t${event.occurred_at}\t${event.ingested_at}\t${sourceField}\t${position}\t${json}`
      : `${offset}\t${tsvField(event.event_id)}\t${event.type}\t${tsvField(event.company)}\t${event.occurred_at}\t${event.ingested_at}\t${sourceField}\t${position}\t${tsvField(json)}`;
    // The row stays in one chunk: its id is read back from there.
    this.out.reserve(3 * row.length + 1);
    this.index(a, b, this.out.position);
    this.out.line(row, plain);
    this.lastOffset = offset;
  }

  /** Whether `id` (with fingerprint `a`, `b`) is staged here. */
  has(a: number, b: number, id: string): boolean {
    let expected: Buffer | undefined;
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const lo = this.slots[2 * slot + 1]!;
      if (lo === 0) return false;
      if (lo === b && this.slots[2 * slot] === a) {
        expected ??= Buffer.from(tsvField(id));
        if (this.rowIdEquals(this.rows[slot]!, expected)) return true;
      }
    }
  }

  take(): StagedLog {
    return { tsv: this.out.chunks(), ids: this, lastOffset: this.lastOffset };
  }

  /** The rows are written (and no longer searched): their chunks are reused. */
  release(): void {
    this.out.release();
  }

  private index(a: number, b: number, row: number): void {
    if (this.size + 1 > (this.mask + 1) * 0.7) this.grow();
    this.place(a, b, row);
    this.size++;
  }

  /** Puts a fingerprint in the first free slot (equal fingerprints of different ids each get one). */
  private place(a: number, b: number, row: number): void {
    let slot = a & this.mask;
    while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
    this.slots[2 * slot] = a;
    this.slots[2 * slot + 1] = b;
    this.rows[slot] = row;
  }

  private grow(): void {
    const { slots, rows } = this;
    this.slots = new Uint32Array(slots.length * 2);
    this.rows = new Float64Array(rows.length * 2);
    this.mask = this.rows.length - 1;
    for (let i = 0; i < rows.length; i++) if (slots[2 * i + 1] !== 0) this.place(slots[2 * i]!, slots[2 * i + 1]!, rows[i]!);
  }

  /** Whether the row at `row` (a `ByteChunks` position) has `expected` as its event_id field. */
  private rowIdEquals(row: number, expected: Buffer): boolean {
    const { chunk, offset } = this.out.chunkAt(row);
    const start = chunk.indexOf(0x09, offset) + 1; // after the offset column
    return chunk[start + expected.length] === 0x09 && chunk.subarray(start, start + expected.length).equals(expected);
  }
}

/** Initial slots of a staging index (grows by doubling). */
const INDEX_SLOTS = 1 << 12;
