/**
 * Debezium's topics of an Odoo database as a pipeline source. One `batches()` call is one drain: it
 * reads every partition up to where it ended when the drain began, then ends, so the pipeline writes
 * the log and then the position (like one poll of the Odoo poller); `DebeziumLoop` drains again and
 * again. The consumer stays in its group between drains.
 *
 * No gap, no duplicate:
 * - the position is `topic/partition` → next offset, saved by the pipeline only once the events
 *   before it are in the event log; a restart reads from it (see `DebeziumFeed`), and Kafka's group
 *   offsets are committed to it only after that (`commit`);
 * - it never passes a message still waiting (debezium-changes.ts), so a crash re-reads that message;
 * - a message read twice gives the same event ids (record id + LSN), which the log drops;
 * - the reference tables (companies, warehouses, units, locations, products, operation types) are
 *   read from their start at every process start, to know what moves refer to, and so are orders and
 *   bills with their lines (a header change re-maps the lines seen); what was already turned into
 *   events is only learnt again (their topics should be compacted, or kept for ever: docs/debezium.md).
 */
import type { Source, SourceBatch, SourceRecord } from '../source.js';
import { quarantineMatcher } from '../odoo/odoo-config.js';
import type { LoggedRecords } from '../odoo/odoo-reconcile.js';
import { ChangeMapper, type ChangeStats } from './debezium-changes.js';
import { topicOf, type DebeziumConfig } from './debezium-config.js';
import { DebeziumFeed, DebeziumFeedError, tpOf } from './debezium-feed.js';
import { ORDER_TABLES, REFERENCE_TABLES, type OdooTable } from './debezium-rows.js';

export interface DebeziumSourceOptions {
  config: DebeziumConfig;
  /** The event log, for deletes (absent: a delete of an open move or order line is not undone). */
  logged?: LoggedRecords;
  /** Records per batch handed to the pipeline. */
  batchRecords?: number;
  log?: (line: string) => void;
}

export class DebeziumSource implements Source {
  readonly id: string;
  readonly name: string;
  drains = 0;
  private feed: DebeziumFeed | undefined;
  private mapper: ChangeMapper;
  private readonly tables = new Map<string, OdooTable>();
  private readonly referenceTopics: string[];
  /** Read from their start at every process start: reference tables, and orders and bills (a header change re-maps the lines seen). */
  private readonly rereadTopics: string[];
  private readonly factTopics: string[];
  /** Per `topic/partition`: the next offset read. */
  private consumed = new Map<string, number>();
  /** Per `topic/partition`: the first offset not turned into events before (below it: learn only). */
  private emitFrom = new Map<string, number>();
  /** The position of the last drain's end: the pipeline resumes from it unless a run failed. */
  private handedOut: string | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly o: DebeziumSourceOptions) {
    const c = o.config;
    this.id = `debezium:${c.source}`;
    this.name = `debezium ${c.brokers.join(',')} ${c.topic_prefix}.${c.schema}`;
    this.log = o.log ?? (() => {});
    for (const table of c.tables as OdooTable[]) this.tables.set(topicOf(c, table), table);
    this.referenceTopics = [...this.tables].filter(([, t]) => REFERENCE_TABLES.includes(t)).map(([topic]) => topic);
    this.rereadTopics = [...this.tables].filter(([, t]) => REFERENCE_TABLES.includes(t) || ORDER_TABLES.includes(t)).map(([topic]) => topic);
    this.factTopics = [...this.tables].filter(([, t]) => !REFERENCE_TABLES.includes(t)).map(([topic]) => topic);
    this.mapper = this.newMapper();
  }

  get stats(): ChangeStats & { drains: number } {
    return { ...this.mapper.stats, drains: this.drains };
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    // A run that failed after this source moved on: read again from what is durable.
    if (!this.feed || resumeFrom !== this.handedOut) await this.open(parsePosition(resumeFrom));
    const feed = this.feed!;
    const targets = new Map([...(await feed.watermarks())].map(([tp, m]) => [tp, m.high]));
    for (const [tp, high] of targets) if (!this.consumed.has(tp)) this.consumed.set(tp, high > 0 ? 0 : high); // a partition added since the start
    const reached = (topics?: readonly string[]) => [...targets].every(([tp, high]) => (topics && !topics.some((t) => tp.startsWith(`${t}/`))) || this.consumed.get(tp)! >= high);
    // Reference rows first, so that few moves wait for their product or location.
    let paused = !reached(this.referenceTopics);
    if (paused) feed.pause(this.factTopics);
    const batchRecords = this.o.batchRecords ?? 1000;
    const timeoutMs = this.o.config.drain_timeout_seconds * 1000;
    let records: SourceRecord[] = [];
    let done = 0;
    while (!reached()) {
      const items = await feed.take(batchRecords, timeoutMs);
      if (!items.length) {
        const behind = [...targets].filter(([tp, high]) => this.consumed.get(tp)! < high).map(([tp, high]) => `${tp} at ${this.consumed.get(tp)} of ${high}`);
        throw new DebeziumFeedError(`no message from Kafka for ${this.o.config.drain_timeout_seconds} s while ${behind.join(', ')}: is the broker reachable, and is group ${this.o.config.group_id} used by another process?`);
      }
      for (const item of items) {
        const tp = tpOf(item.topic, item.partition);
        const next = this.consumed.get(tp) ?? 0;
        if ('next' in item) {
          if (item.next > next) this.consumed.set(tp, item.next);
          continue;
        }
        // Read again after the group rejoined from its committed offsets: already handled.
        if (item.offset < next) continue;
        this.consumed.set(tp, item.offset + 1);
        done++;
        records.push(...this.mapper.accept(this.tables.get(item.topic)!, item, item.value, item.offset < (this.emitFrom.get(tp) ?? 0)));
      }
      if (paused && reached(this.referenceTopics)) {
        feed.resume(this.factTopics);
        paused = false;
      }
      if (records.length >= batchRecords) {
        yield { records, resumeFrom: frozen(this.position()), progress: { done } };
        records = [];
      }
    }
    if (paused) feed.resume(this.factTopics);
    records.push(...(await this.mapper.finish()));
    const end = this.position();
    this.handedOut = end;
    this.drains++;
    yield { records, resumeFrom: frozen(end), progress: { done } };
    // What this drain resumed from was durable: the group's offsets may say so now.
    if (resumeFrom) await this.commit(resumeFrom);
  }

  /** Commits a durable position (a saved checkpoint) as the consumer group's offsets. */
  async commit(position: string): Promise<void> {
    const offsets = parsePosition(position);
    try {
      if (!(await this.feed?.commit(offsets))) this.log('ledgerline debezium: the group was rebalancing; its offsets are committed after the next drain');
    } catch (e) {
      // Only what operators see as lag: the position that counts is the store's.
      this.log(`ledgerline debezium: could not commit the group's offsets (${(e as Error).message}); they are committed after the next drain`);
    }
  }

  /** The consumer group's committed offsets (for status and tests). */
  async committed(): Promise<Map<string, number>> {
    return (this.feed ?? new DebeziumFeed(this.feedOptions())).committed();
  }

  async close(): Promise<void> {
    await this.feed?.close();
    this.feed = undefined;
  }

  private async open(durable: ReadonlyMap<string, number>): Promise<void> {
    await this.feed?.close();
    const feed = new DebeziumFeed(this.feedOptions());
    const marks = await feed.watermarks();
    const previous = this.mapper.stats;
    this.mapper = this.newMapper();
    Object.assign(this.mapper.stats, previous);
    this.consumed = new Map();
    this.emitFrom = new Map();
    const start = new Map<string, number>();
    for (const [tp, { low }] of marks) {
      const saved = durable.get(tp);
      const reference = this.rereadTopics.some((t) => tp.startsWith(`${t}/`));
      if (saved !== undefined && saved < low) {
        throw new DebeziumFeedError(
          `${tp}: messages ${saved}–${low - 1} were deleted (topic retention) before Ledgerline read them: the ledger would have a gap. ` +
            'Take a new Debezium snapshot (or restore the messages) and start with a new data directory; keep the topics longer (retention.ms) or compacted',
        );
      }
      if (reference && low > 0 && saved === undefined) this.log(`ledgerline debezium: ${tp} starts at offset ${low}: rows deleted from it by retention are unknown (set cleanup.policy=compact on the reference topics)`);
      const from = reference ? low : (saved ?? low);
      start.set(tp, from);
      this.consumed.set(tp, from);
      this.emitFrom.set(tp, saved ?? low);
    }
    await feed.open(start);
    this.feed = feed;
    this.handedOut = undefined;
  }

  /** The position to resume from: what was read, but not past a message still waiting. */
  private position(): string {
    const pending = this.mapper.pendingFrom();
    const out: Record<string, number> = {};
    for (const [tp, next] of this.consumed) out[tp] = Math.max(Math.min(next, pending.get(tp) ?? Infinity), this.emitFrom.get(tp) ?? 0);
    return JSON.stringify(out);
  }

  private feedOptions() {
    const c = this.o.config;
    return { brokers: c.brokers, clientId: c.client_id, groupId: c.group_id, topics: [...this.tables.keys()] };
  }

  private newMapper(): ChangeMapper {
    const c = this.o.config;
    return new ChangeMapper({
      source: c.source,
      sourceId: this.id,
      odooVersion: c.odoo_version,
      companyCodes: c.companyCodes,
      isQuarantine: quarantineMatcher(c.quarantine_locations),
      ...(this.o.logged ? { logged: this.o.logged } : {}),
    });
  }
}

function frozen(position: string): () => Promise<string> {
  return () => Promise.resolve(position);
}

function parsePosition(text: string | undefined): Map<string, number> {
  if (!text) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(text) as Record<string, number>).filter(([, v]) => Number.isSafeInteger(v)));
  } catch {
    return new Map();
  }
}
