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
 * Orders, bills and their lines, and quants, are mapped at the end of the drain too, in WAL order
 * (LSN) across their tables: a line's event carries its header's dates and state, so a header change
 * maps the lines already seen again (as the poller re-reads the lines of a header that changed), and
 * mapping in WAL order gives each line event the header as it was at that point — read in topic
 * order, a line could meet a header from later in the same drain. A quant's count identity needs the
 * date of the count applied before it (Odoo's `last_count_date` is computed, not a column): it is
 * the latest done inventory move (`is_inventory`) of the product at the quant's location before the
 * quant's change.
 *
 * Identity: record ids are the mapping's (`stock.move:42`); the version of every event is the
 * change's LSN (see `RowChange.lsn`): the poller's write_date would give two updates of one
 * transaction the same event id, and the log would keep the first. A line mapped again for its
 * header's change takes the header change's LSN.
 */
import { createHash } from 'node:crypto';
import type { SourceRecord } from '../source.js';
import { LINES_OF, LOOKUP_MODELS, PURCHASE_LOOKUP_MODELS, resolveFields, type OdooModel, type PolledModel } from '../odoo/odoo-fields.js';
import { OdooLookups } from '../odoo/odoo-lookups.js';
import { mapOdooRecord, type Candidate, type MappingContext } from '../odoo/odoo-mapping.js';
import { TOMBSTONE_TYPES, tombstoneFor, type LoggedRecords } from '../odoo/odoo-reconcile.js';
import { m2oId, odooMillis, toOdooDatetime, type OdooRecord } from '../odoo/odoo-values.js';
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

/** A row of an order, bill, line or quant, mapped at the end of the drain in WAL order. */
interface Ordered {
  at: MessageAt;
  model: OdooModel;
  /** The row, or its delete (a deleted line is not mapped again by a later header change). */
  record: OdooRecord | { id: number; _deleted: true };
  lsn: number;
  learnOnly: boolean;
}

/** Headers → their lines (the link column), and back. */
const LINE_HEADER = new Map(Object.entries(LINES_OF).map(([header, spec]) => [spec.lines as string, { header: header as PolledModel, link: spec.link }]));
const ORDERED_MODELS: ReadonlySet<string> = new Set([...Object.keys(LINES_OF), ...LINE_HEADER.keys(), 'stock.quant']);
const NOT_EVENTS: readonly string[] = [...LOOKUP_MODELS, ...PURCHASE_LOOKUP_MODELS];
const DAY_MS = 86_400_000;

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
  private ordered: Ordered[] = [];
  /** `<header model>:<id>` → its lines' latest rows (kept for the process's life: a header change maps them again). */
  private readonly linesOf = new Map<string, Map<number, OdooRecord>>();
  /** `<line model>:<id>` → its header id. */
  private readonly headerOf = new Map<string, number>();
  /** Sales order rows, for expected_date (computed by Odoo from its lines' customer_lead, not a column). */
  private readonly saleOrderRows = new Map<number, OdooRecord>();
  /** `<product>|<location>` → [LSN, day] of done inventory moves there (a count's previous applied count). */
  private readonly inventoryMoves = new Map<string, Array<[number, string]>>();

  constructor(private readonly o: ChangeMapperOptions) {
    this.rows = new OdooRows(o.odooVersion);
    this.lookups = new OdooLookups(o.companyCodes);
    this.ctx = { source: o.source, lookups: this.lookups, companyIds: [...o.companyCodes.keys()], isQuarantine: o.isQuarantine, version: this.rows.version };
  }

  /** The earliest message still waiting per `topic/partition` (the position must stay below it). */
  pendingFrom(): Map<string, number> {
    const from = new Map<string, number>();
    for (const { at } of [...this.waiting, ...this.deleted, ...this.ordered]) {
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
      const id = Number(change.before!.id);
      // A deleted line is not mapped again when its header changes later (a draft bill's line, say).
      if (model && ORDERED_MODELS.has(model) && Number.isInteger(id)) this.ordered.push({ at, model, record: { id, _deleted: true }, lsn: change.lsn, learnOnly });
      // Master data is archived in Odoo, not deleted; a deleted one stays as last seen (as with the poller).
      if (learnOnly || !model || !TOMBSTONE_TYPES[model]) return [];
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
      if (ORDERED_MODELS.has(m)) {
        this.ordered.push({ at, model: m, record, lsn: change.lsn, learnOnly });
        continue;
      }
      if (m === 'stock.move') this.noteInventoryMove(record, change.lsn);
      this.lookups.learn(m, record, fields);
      // Companies, warehouses, units and operation types are only what other records refer to.
      if (!learnOnly && !NOT_EVENTS.includes(m)) out.push(...this.map(at, m, record, change.lsn, false));
    }
    return out;
  }

  /** `via`: the line is mapped again for its header's change (the header's message is `at`). */
  private map(at: MessageAt, model: OdooModel, record: OdooRecord, lsn: number, final: boolean, via = ''): SourceRecord[] {
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
        return [this.dead(at, raw, result.reason, via)];
      case 'events': {
        this.stats.events += result.events.length;
        return result.events.map((event, k) => {
          const value = { ...event, version: lsn };
          this.remember(model, value);
          return { position: positionOf(`${at.topic}/${at.partition}/${at.offset}${via}#${k}`), raw, rawBytes: Buffer.byteLength(raw), value };
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
    // After the waiting rows: a line or a quant may refer to a product or location that waited.
    const ordered = this.ordered.sort((a, b) => a.lsn - b.lsn);
    this.ordered = [];
    for (const o of ordered) out.push(...this.mapOrdered(o));
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

  private dead(at: MessageAt, raw: string, reason: string, via = ''): SourceRecord {
    this.stats.dead++;
    return { position: positionOf(`${at.topic}/${at.partition}/${at.offset}${via}`), raw, rawBytes: Buffer.byteLength(raw), error: reason };
  }

  /** One header, line or quant change, in WAL order: headers are learnt and map their lines again. */
  private mapOrdered(o: Ordered): SourceRecord[] {
    const id = Number(o.record.id);
    const asLine = LINE_HEADER.get(o.model);
    if ('_deleted' in o.record) {
      if (asLine) this.forgetLine(o.model, id, asLine.header);
      return [];
    }
    const record = o.record;
    const lines = LINES_OF[o.model as PolledModel];
    if (lines) {
      if (o.model === 'sale.order') this.saleOrderRows.set(id, record);
      this.learn(o.model, o.model === 'sale.order' ? this.withExpectedDate(record) : record);
      return o.learnOnly ? [] : this.mapLines(o, o.model, id);
    }
    if (asLine) {
      const headerId = m2oId(record[asLine.link]);
      this.forgetLine(o.model, id, asLine.header);
      if (headerId !== undefined) {
        const key = `${asLine.header}:${headerId}`;
        if (!this.linesOf.has(key)) this.linesOf.set(key, new Map());
        this.linesOf.get(key)!.set(id, record);
        this.headerOf.set(`${o.model}:${id}`, headerId);
      }
      this.learn(o.model, record);
      const out: SourceRecord[] = [];
      // A line's customer lead time moves its order's expected date, which every line of it carries.
      if (o.model === 'sale.order.line' && headerId !== undefined && this.saleOrderRows.has(headerId)) {
        const before = this.lookups.saleOrders.get(headerId)?.expectedDate;
        this.learn('sale.order', this.withExpectedDate(this.saleOrderRows.get(headerId)!));
        if (!o.learnOnly && this.lookups.saleOrders.get(headerId)?.expectedDate !== before) out.push(...this.mapLines(o, 'sale.order', headerId, id));
      }
      if (!o.learnOnly) out.push(...this.map(o.at, o.model, record, o.lsn, true));
      return out;
    }
    // stock.quant
    if (o.learnOnly) return [];
    const last = this.lastCountDay(m2oId(record.product_id), m2oId(record.location_id), o.lsn);
    return this.map(o.at, o.model, { ...record, last_count_date: last ?? false }, o.lsn, true);
  }

  /** The lines seen of a header, mapped again with the header as it is now (version: the header change's LSN). */
  private mapLines(o: Ordered, header: OdooModel, headerId: number, except?: number): SourceRecord[] {
    const spec = LINES_OF[header as PolledModel]!;
    const out: SourceRecord[] = [];
    for (const [lineId, line] of this.linesOf.get(`${header}:${headerId}`) ?? []) {
      if (lineId !== except) out.push(...this.map(o.at, spec.lines, line, o.lsn, true, `/${spec.lines}:${lineId}`));
    }
    return out;
  }

  private forgetLine(model: OdooModel, id: number, header: OdooModel): void {
    const previous = this.headerOf.get(`${model}:${id}`);
    if (previous === undefined) return;
    this.linesOf.get(`${header}:${previous}`)?.delete(id);
    this.headerOf.delete(`${model}:${id}`);
  }

  private learn(model: OdooModel, record: OdooRecord): void {
    this.lookups.learn(model, record, resolveFields(model, this.rows.version, new Set(Object.keys(record))).fields);
  }

  /**
   * A sales order with the expected_date Odoo computes (sale_stock): once confirmed, the order date
   * plus its lines' customer lead time (the shortest, or the longest when everything ships at once,
   * `picking_policy` one). A quotation's expected date moves with the clock: none.
   */
  private withExpectedDate(order: OdooRecord): OdooRecord {
    const leads = [...(this.linesOf.get(`sale.order:${String(order.id)}`)?.values() ?? [])]
      .filter((l) => l.state !== 'cancel' && !l.display_type)
      .map((l) => Number(l.customer_lead ?? 0))
      .filter((n) => Number.isFinite(n));
    const ordered = odooMillis(order.date_order);
    const confirmed = order.state === 'sale' || order.state === 'done';
    if (!confirmed || ordered === undefined || !leads.length) return { ...order, expected_date: false };
    const lead = order.picking_policy === 'one' ? Math.max(...leads) : Math.min(...leads);
    return { ...order, expected_date: toOdooDatetime(ordered + lead * DAY_MS) };
  }

  private noteInventoryMove(move: OdooRecord, lsn: number): void {
    if (move.is_inventory !== true || move.state !== 'done' || typeof move.date !== 'string') return;
    const product = m2oId(move.product_id);
    for (const location of new Set([m2oId(move.location_id), m2oId(move.location_dest_id)])) {
      if (product === undefined || location === undefined) continue;
      const key = `${product}|${location}`;
      if (!this.inventoryMoves.has(key)) this.inventoryMoves.set(key, []);
      this.inventoryMoves.get(key)!.push([lsn, move.date.slice(0, 10)]);
    }
  }

  /** The day of the latest count applied on a quant before `lsn` (Odoo's last_count_date), if one was seen. */
  private lastCountDay(product: number | undefined, location: number | undefined, lsn: number): string | undefined {
    let last: string | undefined;
    for (const [at, day] of this.inventoryMoves.get(`${product}|${location}`) ?? []) if (at < lsn && (last === undefined || day > last)) last = day;
    return last;
  }
}

/** A stable number for a message (dead letters are keyed by source and position: a re-read replaces, not adds). */
function positionOf(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6);
}
