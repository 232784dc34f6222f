/**
 * Debezium row changes → source records, through the Odoo mapping the poller uses. A drain (one
 * pipeline run) hands every message here in topic order per partition; what cannot be settled at
 * once waits for the end of the drain (`finish`), and the caller keeps its position below it:
 * - a row that refers to a row of another table not read yet (a move before its product: topics are
 *   read in parallel) is mapped again at the end, and only then dead-lettered as a missing relation;
 * - a delete needs the record's latest event (the `before` image holds only the key unless the
 *   table has REPLICA IDENTITY FULL), from this drain or from the event log; it then gets what the
 *   poller's reconciliation emits for a record gone from Odoo (odoo-reconcile.ts).
 *
 * Identity: record ids are the mapping's (`stock.move:42`); the version of every event is the
 * change's LSN (see `RowChange.lsn`): the poller's write_date would give two updates of one
 * transaction the same event id, and the log would keep the first.
 */
import { createHash } from 'node:crypto';
import type { SourceRecord } from '../source.js';
import { LOOKUP_MODELS, type OdooModel } from '../odoo/odoo-fields.js';
import { OdooLookups } from '../odoo/odoo-lookups.js';
import { mapOdooRecord, type Candidate, type MappingContext } from '../odoo/odoo-mapping.js';
import { TOMBSTONE_TYPES, tombstoneFor, type LoggedRecords } from '../odoo/odoo-reconcile.js';
import type { OdooRecord } from '../odoo/odoo-values.js';
import { parseMessage, type RowChange } from './debezium-envelope.js';
import { OdooRows, TABLE_MODELS, type OdooTable } from './debezium-rows.js';

/** Where a message is: its topic, partition and offset. */
export interface MessageAt {
  topic: string;
  partition: number;
  offset: number;
}

export interface ChangeStats {
  messages: number;
  events: number;
  skipped: number;
  dead: number;
  tombstones: number;
  deletes: number;
  /** Rows mapped again at the end of a drain (their relation came later). */
  waited: number;
}

interface Waiting {
  at: MessageAt;
  model: OdooModel;
  record: OdooRecord;
  lsn: number;
}

interface Deleted {
  at: MessageAt;
  model: string;
  id: number;
  lsn: number;
}

export interface ChangeMapperOptions {
  source: string;
  /** The source id (the event log's `source_id`). */
  sourceId: string;
  odooVersion: number;
  companyCodes: ReadonlyMap<number, string>;
  isQuarantine: (completeName: string) => boolean;
  logged?: LoggedRecords;
}

export class ChangeMapper {
  readonly stats: ChangeStats = { messages: 0, events: 0, skipped: 0, dead: 0, tombstones: 0, deletes: 0, waited: 0 };
  private readonly rows: OdooRows;
  private readonly lookups: OdooLookups;
  private readonly ctx: MappingContext;
  private waiting: Waiting[] = [];
  private deleted: Deleted[] = [];
  /** The latest event of each record that a delete may need, mapped in this drain (maybe not in the log yet). */
  private latest = new Map<string, Candidate>();

  constructor(private readonly o: ChangeMapperOptions) {
    this.rows = new OdooRows(o.odooVersion);
    this.lookups = new OdooLookups(o.companyCodes);
    this.ctx = { source: o.source, lookups: this.lookups, companyIds: [...o.companyCodes.keys()], isQuarantine: o.isQuarantine, version: this.rows.version };
  }

  /** The earliest message still waiting per `topic/partition` (the position must stay below it). */
  pendingFrom(): Map<string, number> {
    const from = new Map<string, number>();
    for (const { at } of [...this.waiting, ...this.deleted]) {
      const tp = `${at.topic}/${at.partition}`;
      from.set(tp, Math.min(from.get(tp) ?? Infinity, at.offset));
    }
    return from;
  }

  /**
   * One message of `table`. `learnOnly`: a message already turned into events before a restart,
   * read again only so the lookups know its row (reference tables are re-read from their start).
   */
  accept(table: OdooTable, at: MessageAt, value: string | null, learnOnly = false): SourceRecord[] {
    this.stats.messages++;
    const parsed = parseMessage(table, value);
    switch (parsed.kind) {
      case 'tombstone':
        this.stats.tombstones++;
        return [];
      case 'skip':
        this.stats.skipped++;
        return [];
      case 'dead':
        return learnOnly ? [] : [this.dead(at, value ?? '', parsed.reason)];
      case 'change':
        return this.change(table, at, parsed.change, value ?? '', learnOnly);
    }
  }

  private change(table: OdooTable, at: MessageAt, change: RowChange, raw: string, learnOnly: boolean): SourceRecord[] {
    const model = TABLE_MODELS[table];
    if (change.op === 'd') {
      // Master data is archived in Odoo, not deleted; a deleted one stays as last seen (as with the poller).
      if (learnOnly || !model || !TOMBSTONE_TYPES[model]) return [];
      const id = Number(change.before!.id);
      if (!Number.isInteger(id)) return [this.dead(at, raw, `${table}: delete without an integer id in "before" (${JSON.stringify(change.before!.id)})`)];
      this.stats.deletes++;
      this.deleted.push({ at, model, id, lsn: change.lsn });
      return [];
    }
    const result = this.rows.records(table, change.after!, change.types);
    if (result.kind === 'wait') {
      // A variant before its template: the template's row brings it (as a new version) when it comes.
      this.stats.skipped++;
      return [];
    }
    if (result.kind === 'dead') return learnOnly ? [] : [this.dead(at, raw, result.reason)];
    const out: SourceRecord[] = [];
    for (const { model: m, record, fields } of result.records) {
      this.lookups.learn(m, record, fields);
      // Companies, warehouses and units are only what other records refer to.
      if (!learnOnly && !(LOOKUP_MODELS as readonly string[]).includes(m)) out.push(...this.map(at, m, record, change.lsn, false));
    }
    return out;
  }

  private map(at: MessageAt, model: OdooModel, record: OdooRecord, lsn: number, final: boolean): SourceRecord[] {
    // Shared master data needs the companies first: without configured ones, the ones read so far.
    const noCompanies = !this.ctx.companyIds.length && !this.lookups.companies.size && model !== 'res.company';
    const result = noCompanies && !final ? { kind: 'dead' as const, reason: `${model}:${String(record.id)}: missing relation: no res_company row read yet`, awaitsRecord: true } : mapOdooRecord(model, record, this.ctx);
    const raw = JSON.stringify({ _model: model, _lsn: lsn, ...record });
    switch (result.kind) {
      case 'skip':
        this.stats.skipped++;
        return [];
      case 'dead':
        // A record of another topic may not be read yet (a unit before the products that use it).
        if (!final && result.awaitsRecord) {
          this.waiting.push({ at, model, record, lsn });
          return [];
        }
        return [this.dead(at, raw, result.reason)];
      case 'events': {
        this.stats.events += result.events.length;
        return result.events.map((event, k) => {
          const value = { ...event, version: lsn };
          this.remember(model, value);
          return { position: positionOf(`${at.topic}/${at.partition}/${at.offset}#${k}`), raw, rawBytes: Buffer.byteLength(raw), value };
        });
      }
    }
  }

  private remember(model: string, event: Candidate): void {
    if (!TOMBSTONE_TYPES[model]) return;
    const key = `${model}:${String(event.record_id).slice(model.length + 1)}`;
    const held = this.latest.get(key);
    // As the log reader does: a done move is what matters once there is one.
    if (!held || event.type === 'stock_move' || (held.type !== 'stock_move' && (event.version as number) > (held.version as number))) this.latest.set(key, event);
  }

  /** End of a drain: rows that waited are mapped for good, deletes get their tombstones. */
  async finish(): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const waiting = this.waiting.sort((a, b) => a.lsn - b.lsn);
    this.waiting = [];
    for (const w of waiting) {
      this.stats.waited++;
      out.push(...this.map(w.at, w.model, w.record, w.lsn, true));
    }
    const deleted = this.deleted;
    this.deleted = [];
    const logged = new Map<string, Map<number, Candidate>>();
    for (const d of deleted) {
      if (!logged.has(d.model)) logged.set(d.model, (await this.o.logged?.latest(this.o.sourceId, this.o.source, d.model)) ?? new Map());
      const inLog = logged.get(d.model)!.get(d.id);
      const inDrain = this.latest.get(`${d.model}:${d.id}`);
      const latest = !inLog ? inDrain : !inDrain ? inLog : inDrain.type === 'stock_move' || (inLog.type !== 'stock_move' && (inDrain.version as number) >= (inLog.version as number)) ? inDrain : inLog;
      // Never logged (a draft move from a supplier location, say): nothing to undo.
      if (!latest || (latest.version as number) >= d.lsn) continue;
      const tombstone = tombstoneFor(latest);
      if (!tombstone) continue;
      const where = `${d.at.topic}/${d.at.partition}/${d.at.offset}`;
      if (tombstone.kind === 'dead') out.push(this.dead(d.at, JSON.stringify(tombstone.record), tombstone.reason));
      else {
        const value = { ...tombstone.event, version: d.lsn };
        this.remember(d.model, value);
        this.stats.events++;
        const raw = JSON.stringify({ _model: d.model, id: d.id, _deleted: true, _lsn: d.lsn });
        out.push({ position: positionOf(`${where}#${value.type}`), raw, rawBytes: Buffer.byteLength(raw), value });
      }
    }
    this.latest = new Map();
    return out;
  }

  private dead(at: MessageAt, raw: string, reason: string): SourceRecord {
    this.stats.dead++;
    return { position: positionOf(`${at.topic}/${at.partition}/${at.offset}`), raw, rawBytes: Buffer.byteLength(raw), error: reason };
  }
}

/** A stable number for a message (dead letters are keyed by source and position: a re-read replaces, not adds). */
function positionOf(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6);
}
