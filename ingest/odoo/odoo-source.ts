/**
 * The Odoo poller as a pipeline source: one pass over every followed model with `search_read` on a
 * (write_date, id) cursor, page by page, each record mapped to canonical events (odoo-mapping.ts);
 * then, when due, the deletion reconciliation (odoo-reconcile.ts). One `batches()` call is one poll;
 * it ends when every model is caught up, so the pipeline writes the log and then the cursor.
 *
 * No gap, no duplicate:
 * - the cursor is the source position: the pipeline saves it only after the events before it are in
 *   the log, so a crash re-reads from the last saved cursor;
 * - a re-read record yields the same event ids (record id + write_date), which the log deduplicates;
 * - each poll starts `overlap_seconds` before the cursor (a transaction that committed late carries
 *   an earlier write_date) and stops `settle_seconds` before now (write_date has whole seconds: a
 *   record written twice in the current second must not be read in between).
 */
import { createHash } from 'node:crypto';
import type { Source, SourceBatch, SourceRecord } from '../source.js';
import { OdooClient, type OdooClientOptions } from './odoo-client.js';
import { OdooModelMissingError, OdooError } from './odoo-errors.js';
import { quarantineMatcher, type OdooConfig } from './odoo-config.js';
import {
  FIELDS,
  fieldVersion,
  HEADER_OF,
  LINES_OF,
  LOOKUP_MODELS,
  LOOKUP_REFERENCES,
  MODEL_DOMAIN,
  POLLED_MODELS,
  PURCHASE_LOOKUP_MODELS,
  REFERENCED_MODELS,
  resolveFields,
  type OdooMajor,
  type OdooModel,
  type PolledModel,
  type ResolvedFields,
} from './odoo-fields.js';
import { OdooLookups } from './odoo-lookups.js';
import { mapOdooRecord, type MappingContext } from './odoo-mapping.js';
import { TOMBSTONE_TYPES, tombstoneFor, type LoggedRecords } from './odoo-reconcile.js';
import { m2oId, odooMillis, toOdooDatetime, type OdooRecord } from './odoo-values.js';

/** The durable position: per model the last (write_date, id) taken, and when deletions were last reconciled. */
export interface OdooPosition {
  cursors: Partial<Record<PolledModel, [string, number]>>;
  reconciled_at?: number;
}

/** What one poll did (cumulative over the source's life), for the command's summary line. */
export interface OdooPollStats {
  records: number;
  events: number;
  skipped: number;
  dead: number;
  tombstones: number;
  polls: number;
  reconciliations: number;
  /** Deletion checks of a model that failed (logged; tried again at the next reconcile time). */
  failedReconciliations: number;
}

export interface OdooSourceOptions {
  config: OdooConfig;
  /** The event log, for deletion reconciliation (absent: no reconciliation). */
  logged?: LoggedRecords;
  /** The clock (tests move it). */
  now?: () => number;
  client?: Partial<OdooClientOptions>;
  log?: (line: string) => void;
}

/** Models whose absence is not fatal: sales, purchase, invoicing and quality (Enterprise) may not be installed. */
const OPTIONAL_MODELS: ReadonlySet<string> = new Set([
  'sale.order.line',
  'sale.order',
  'purchase.order',
  'purchase.order.line',
  'account.move',
  'account.move.line',
  'quality.check',
]);

export class OdooSource implements Source {
  readonly id: string;
  readonly name: string;
  readonly client: OdooClient;
  readonly lookups: OdooLookups;
  readonly stats: OdooPollStats = { records: 0, events: 0, skipped: 0, dead: 0, tombstones: 0, polls: 0, reconciliations: 0, failedReconciliations: 0 };
  /** Set once the server is known (version, fields, lookups). */
  private setup: Promise<void> | undefined;
  private version: OdooMajor = 17;
  private readonly fields = new Map<OdooModel, ResolvedFields>();
  private models: PolledModel[] = [];
  private companyIds: number[] = [];
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly ctx: MappingContext;
  /**
   * Line versions mapped in this poll: a line read through its header's change and again in its own
   * page maps the same (the header was learned first), so the second is left out rather than counted twice.
   */
  private readonly mappedThisPoll = new Set<string>();

  constructor(private readonly o: OdooSourceOptions) {
    const c = o.config;
    this.id = `odoo:${c.source}`;
    this.name = `odoo ${c.url} ${c.db}`;
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => {});
    this.lookups = new OdooLookups(c.companyCodes);
    this.client = new OdooClient({
      url: c.url,
      db: c.db,
      login: c.login ?? '',
      secret: c.secret,
      protocol: c.protocol,
      timeoutMs: c.timeout_seconds * 1000,
      ratePerSecond: c.rate_per_second,
      maxAttempts: c.max_attempts,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      ...o.client,
    });
    this.ctx = {
      source: c.source,
      lookups: this.lookups,
      companyIds: this.companyIds,
      isQuarantine: quarantineMatcher(c.quarantine_locations),
      fields: (model) => this.fields.get(model),
    };
  }

  /** The models followed (after setup: without the ones not installed). */
  get followed(): readonly PolledModel[] {
    return this.models;
  }

  get odooVersion(): OdooMajor {
    return this.version;
  }

  /** How long a saved record waits before a poll takes it (the poll loop times webhook polls by it). */
  get settleSeconds(): number {
    return this.o.config.settle_seconds;
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    await (this.setup ??= this.connect().catch((e: unknown) => {
      this.setup = undefined;
      throw e;
    }));
    const position = parsePosition(resumeFrom);
    const cutoff = toOdooDatetime(this.now() - this.o.config.settle_seconds * 1000);
    // The position as of each batch, taken when it is yielded: the pipeline saves it later, once the
    // batch is durable, and by then the polling has moved on.
    const resume = () => {
      const snapshot = JSON.stringify(position);
      return () => Promise.resolve(snapshot);
    };
    this.stats.polls++;
    this.mappedThisPoll.clear();
    let done = 0;
    for (const model of this.models) {
      for await (const records of this.pages(model, position, cutoff)) {
        done += records.length;
        yield { records, resumeFrom: resume(), progress: { done } };
      }
    }
    const every = this.o.config.reconcile_minutes * 60_000;
    if (this.o.logged && every > 0 && this.now() - (position.reconciled_at ?? 0) >= every) {
      const records = await this.reconcile();
      // Also after a failure: a check that fails under load is not repeated every poll.
      position.reconciled_at = this.now();
      yield { records, resumeFrom: resume(), progress: { done } };
    } else if (done === 0) {
      // An empty poll still hands over its position, so the run ends cleanly.
      yield { records: [], resumeFrom: resume(), progress: { done } };
    }
  }

  /** Version, fields per model, companies and the lookup tables: once per source. */
  private async connect(): Promise<void> {
    const c = this.o.config;
    const major = c.odoo_version ?? (await this.client.version()).major;
    if (major < 16) throw new OdooError(`Odoo ${major} is not supported (16 to 19 are): the field lists start at 16`);
    if (c.protocol === 'json2' && major < 19) throw new OdooError(`Odoo ${major} has no /json/2 endpoint (19 and later): set "protocol": "jsonrpc"`);
    this.version = fieldVersion(major);
    const wanted = (c.models ?? [...POLLED_MODELS]) as PolledModel[];
    // A line's event carries its header's dates and warehouse: following lines means following their headers.
    for (const model of [...wanted]) {
      const header = HEADER_OF[model]?.header;
      if (header && !wanted.includes(header)) wanted.push(header);
    }
    this.models = [];
    const lookupModels: readonly string[] = [...LOOKUP_MODELS, ...PURCHASE_LOOKUP_MODELS, ...REFERENCED_MODELS];
    for (const model of [...LOOKUP_MODELS, ...PURCHASE_LOOKUP_MODELS, ...REFERENCED_MODELS, ...POLLED_MODELS]) {
      if (!lookupModels.includes(model) && !wanted.includes(model as PolledModel)) continue;
      let available: Record<string, unknown>;
      try {
        available = await this.client.call<Record<string, unknown>>(model, 'fields_get', { attributes: ['type'] });
      } catch (e) {
        if (e instanceof OdooModelMissingError && OPTIONAL_MODELS.has(model)) {
          this.log(`ledgerline odoo: ${model} is not installed in Odoo: not followed`);
          continue;
        }
        throw e;
      }
      const { fields, missing } = resolveFields(model, this.version, new Set(['id', ...Object.keys(available)]));
      if (missing.length) {
        throw new OdooError(
          `${model} on this Odoo (${major}) lacks the field(s) ${missing.join(', ')} that Ledgerline reads for Odoo ${this.version}: ` +
            `if odoo_version is set in the config, check it matches the server (or remove it to detect the version)`,
        );
      }
      this.fields.set(model, fields);
      if ((POLLED_MODELS as readonly string[]).includes(model)) this.models.push(model as PolledModel);
    }
    // Companies: the configured ones, else every company the API user can see.
    const companies = await this.readAll('res.company', []);
    this.companyIds.length = 0;
    const visible = new Set(companies.map((r) => r.id as number));
    const configured = [...c.companyCodes.keys()];
    const unknown = configured.filter((id) => !visible.has(id));
    if (unknown.length) throw new OdooError(`companies ${unknown.join(', ')} in the config are not visible to the API user (visible: ${[...visible].join(', ')}): give the user access, or fix "companies"`);
    this.companyIds.push(...(configured.length ? configured : [...visible]));
    for (const model of ['stock.warehouse', 'uom.uom', 'stock.location', 'product.product', 'stock.picking.type'] as const) {
      if (!this.fields.has(model)) continue;
      for (const record of await this.readAll(model, this.companyDomain(model))) this.lookups.learn(model, record, this.fields.get(model)!);
    }
  }

  /** Every record of a lookup model (archived ones too: old moves refer to them), page by page on id. */
  private async readAll(model: OdooModel, domain: unknown[]): Promise<OdooRecord[]> {
    const fields = this.fields.get(model)!;
    const all: OdooRecord[] = [];
    let after = 0;
    for (;;) {
      const page = await this.client.searchRead(model, {
        domain: [...domain, ['id', '>', after]],
        fields: [...fields.values()],
        order: 'id asc',
        limit: this.o.config.page_size,
        context: this.context(),
      });
      for (const r of page) {
        all.push(r);
        if (model === 'res.company') this.lookups.learn(model, r, fields);
      }
      if (page.length < this.o.config.page_size) return all;
      after = page[page.length - 1]!.id as number;
    }
  }

  private context(): Record<string, unknown> {
    // active_test false: archived products and locations are read (history refers to them);
    // allowed_company_ids: multi-company record rules show only the companies in the context.
    return { active_test: false, ...(this.companyIds.length ? { allowed_company_ids: [...this.companyIds] } : {}) };
  }

  /** Records of the followed companies; master data shared by all companies (company_id false) too. */
  private companyDomain(model: OdooModel): unknown[] {
    if (!this.companyIds.length || model === 'res.company' || model === 'uom.uom') return [];
    const ids = [...this.companyIds];
    if (model === 'stock.location' || model === 'product.product' || model === 'res.partner' || model === 'stock.picking.type') return ['|', ['company_id', '=', false], ['company_id', 'in', ids]];
    return [['company_id', 'in', ids]];
  }

  private async *pages(model: PolledModel, position: OdooPosition, cutoff: string): AsyncIterable<SourceRecord[]> {
    const fields = this.fields.get(model)!;
    const cursor = position.cursors[model];
    // Read again from overlap_seconds before the cursor: late commits carry earlier write_dates.
    let at: [string, number] | undefined = cursor ? [toOdooDatetime(odooMillis(cursor[0])! - this.o.config.overlap_seconds * 1000), 0] : undefined;
    for (;;) {
      const after = at ? ['|', ['write_date', '>', at[0]], '&', ['write_date', '=', at[0]], ['id', '>', at[1]]] : [];
      const page = await this.client.searchRead(model, {
        domain: [...this.companyDomain(model), ...(MODEL_DOMAIN[model] ?? []), ['write_date', '<', cutoff], ...after],
        fields: [...fields.values()],
        order: 'write_date asc, id asc',
        limit: this.o.config.page_size,
        context: this.context(),
      });
      await this.readReferences(model, page);
      const records: SourceRecord[] = [];
      for (const record of page) records.push(...this.mapOnce(model, record));
      records.push(...(await this.linesOfHeaders(model, page)));
      if (page.length) {
        const last = page[page.length - 1]!;
        at = [String(last[fields.get('write_date')!]), last.id as number];
        // Never move a cursor back (the overlap re-reads below it).
        if (!cursor || compareCursor(at, cursor) > 0) position.cursors[model] = at;
      }
      yield records;
      if (page.length < this.o.config.page_size) return;
    }
  }

  /**
   * What a page of records refers to and the lookups lack, read by id before the page is mapped:
   * the headers of lines (after a restart the lookups start empty), a bill line's purchase lines and
   * their orders, a quality check's transfer.
   */
  private async readReferences(model: PolledModel, page: OdooRecord[]): Promise<void> {
    if (!page.length) return;
    const fields = this.fields.get(model)!;
    const ids = (role: string) => page.map((r) => m2oId(r[fields.get(role) ?? ''])).filter((id): id is number => id !== undefined);
    const header = HEADER_OF[model];
    if (header && this.fields.has(header.header)) await this.readById(header.header, ids(header.role));
    if (model === 'account.move.line' && fields.has('purchase_line') && this.fields.has('purchase.order.line')) {
      await this.readById('purchase.order.line', ids('purchase_line'));
      const orders = [...this.lookups.purchaseLines.values()].map((l) => l.orderId).filter((id): id is number => id !== undefined);
      await this.readById('purchase.order', orders);
    }
    if (model === 'quality.check') await this.readById('stock.picking', ids('picking'));
    await this.readLookupReferences(model, page);
  }

  /** The warehouses, units and operation types `records` refer to that the lookups lack (created since they were read). */
  private async readLookupReferences(model: OdooModel, records: OdooRecord[]): Promise<void> {
    const fields = this.fields.get(model);
    if (!fields || !records.length) return;
    for (const [role, target] of LOOKUP_REFERENCES[model] ?? []) {
      const name = fields.get(role);
      if (!name) continue;
      await this.readById(target, records.map((r) => m2oId(r[name])).filter((id): id is number => id !== undefined));
    }
  }

  /** Reads the records of `model` with these ids that the lookups do not hold yet, into the lookups. */
  private async readById(model: OdooModel, ids: number[]): Promise<void> {
    const known = KNOWN[model]?.(this.lookups);
    const missing = [...new Set(ids)].filter((id) => !known?.has(id));
    const fields = this.fields.get(model);
    if (!missing.length || !fields) return;
    for (let i = 0; i < missing.length; i += this.o.config.page_size) {
      const page = await this.client.searchRead(model, {
        domain: [['id', 'in', missing.slice(i, i + this.o.config.page_size)]],
        fields: [...fields.values()],
        order: 'id asc',
        context: this.context(),
      });
      for (const r of page) this.lookups.learn(model, r, fields);
      await this.readLookupReferences(model, page);
    }
  }

  /** The lines of the headers in a page (mapping the headers updated the lookups first): their events again, with the header's changes. */
  private async linesOfHeaders(model: PolledModel, headers: OdooRecord[]): Promise<SourceRecord[]> {
    const spec = LINES_OF[model];
    const fields = spec && this.fields.get(spec.lines);
    if (!spec || !fields || !headers.length || !this.models.includes(spec.lines)) return [];
    const records: SourceRecord[] = [];
    let after = 0;
    for (;;) {
      const page = await this.client.searchRead(spec.lines, {
        domain: [...this.companyDomain(spec.lines), ...(MODEL_DOMAIN[spec.lines] ?? []), [spec.link, 'in', headers.map((h) => h.id as number)], ['id', '>', after]],
        fields: [...fields.values()],
        order: 'id asc',
        limit: this.o.config.page_size,
        context: this.context(),
      });
      await this.readReferences(spec.lines, page);
      for (const record of page) records.push(...this.mapOnce(spec.lines, record));
      if (page.length < this.o.config.page_size) return records;
      after = page[page.length - 1]!.id as number;
    }
  }

  private mapOnce(model: PolledModel, record: OdooRecord): SourceRecord[] {
    if (!HEADER_OF[model]) return this.mapRecord(model, record);
    const key = `${model}:${String(record.id)}@${String(record[this.fields.get(model)?.get('write_date') ?? 'write_date'])}`;
    if (this.mappedThisPoll.has(key)) return [];
    this.mappedThisPoll.add(key);
    return this.mapRecord(model, record);
  }

  /** One Odoo record → source records: its events, or one dead letter (skips yield nothing). */
  mapRecord(model: PolledModel, record: OdooRecord): SourceRecord[] {
    this.stats.records++;
    const fields = this.fields.get(model);
    if (fields) this.lookups.learn(model, record, fields);
    const result = mapOdooRecord(model, record, this.ctx);
    const raw = JSON.stringify({ _model: model, ...record });
    const rawBytes = Buffer.byteLength(raw);
    const at = `${model}:${String(record.id)}@${String(record[fields?.get('write_date') ?? 'write_date'])}`;
    switch (result.kind) {
      case 'skip':
        this.stats.skipped++;
        return [];
      case 'dead':
        this.stats.dead++;
        return [{ position: positionOf(at), raw, rawBytes, error: result.reason }];
      case 'events':
        this.stats.events += result.events.length;
        return result.events.map((value, k) => ({ position: positionOf(`${at}#${k}`), raw, rawBytes, value }));
    }
  }

  /**
   * Ids in Odoo vs ids logged, per model with deletions that matter; tombstones for the gone ones.
   * A model whose check fails is logged and left to the next reconcile time: the records this poll
   * read must still become durable (a failing poll would read them again, and fail again, forever).
   */
  private async reconcile(): Promise<SourceRecord[]> {
    this.stats.reconciliations++;
    const records: SourceRecord[] = [];
    for (const model of this.models) {
      if (!TOMBSTONE_TYPES[model]) continue;
      try {
        records.push(...(await this.reconcileModel(model)));
      } catch (e) {
        this.stats.failedReconciliations++;
        this.log(
          `ledgerline odoo: the deletion check of ${model} failed, tried again in ${this.o.config.reconcile_minutes} min (records read meanwhile are kept): ${(e as Error).message}`,
        );
      }
    }
    return records;
  }

  private async reconcileModel(model: PolledModel): Promise<SourceRecord[]> {
    // Only records of the companies followed now: Odoo is asked for no other, so a company dropped
    // from "companies" would otherwise look deleted, line by line.
    const followed = new Set(this.companyIds.map((id) => this.lookups.company(id)));
    const logged = [...(await this.o.logged!.latest(this.id, this.o.config.source, model))].filter(([, latest]) => followed.has(latest.company as string));
    if (!logged.length) return [];
    const present = await this.presentIds(model);
    const records: SourceRecord[] = [];
    for (const [id, latest] of logged) {
      if (present.has(id)) continue;
      const tombstone = tombstoneFor(latest);
      if (!tombstone) continue;
      const at = `${model}:${id}@deleted`;
      if (tombstone.kind === 'dead') {
        this.stats.dead++;
        const raw = JSON.stringify(tombstone.record);
        records.push({ position: positionOf(at), raw, rawBytes: Buffer.byteLength(raw), error: tombstone.reason });
      } else {
        this.stats.tombstones++;
        const raw = JSON.stringify({ _model: model, id, _deleted: true });
        records.push({ position: positionOf(`${at}#${tombstone.event.type}`), raw, rawBytes: Buffer.byteLength(raw), value: tombstone.event });
      }
    }
    return records;
  }

  /**
   * Every id of `model` in the followed companies, a bounded page per call (one search of millions
   * of ids outlasts Odoo's worker time limit). Keyset paging, not offset: a record deleted meanwhile
   * would shift every later one back a place under an offset, and one of them would look deleted.
   */
  private async presentIds(model: PolledModel): Promise<Set<number>> {
    const present = new Set<number>();
    const limit = this.o.config.page_size * RECONCILE_PAGES;
    let after = 0;
    for (;;) {
      const ids = await this.client.search(model, { domain: [...this.companyDomain(model), ['id', '>', after]], order: 'id asc', limit, context: this.context() });
      for (const id of ids) present.add(id);
      if (ids.length < limit) return present;
      after = ids[ids.length - 1]!;
    }
  }
}

/** Ids are cheap to send: the deletion check searches this many pages' worth per call. */
const RECONCILE_PAGES = 20;

/** The lookup that tells whether a record of a model read by id is already known. */
const KNOWN: Partial<Record<OdooModel, (l: OdooLookups) => ReadonlyMap<number, unknown>>> = {
  'sale.order': (l) => l.saleOrders,
  'purchase.order': (l) => l.purchaseOrders,
  'purchase.order.line': (l) => l.purchaseLines,
  'account.move': (l) => l.bills,
  'stock.picking': (l) => l.pickingDestinations,
  'stock.warehouse': (l) => l.warehouses,
  'uom.uom': (l) => l.uoms,
  'stock.picking.type': (l) => l.pickingTypes,
};

function parsePosition(text: string | undefined): OdooPosition {
  if (!text) return { cursors: {} };
  try {
    const p = JSON.parse(text) as OdooPosition;
    return { cursors: { ...p.cursors }, ...(p.reconciled_at !== undefined ? { reconciled_at: p.reconciled_at } : {}) };
  } catch {
    return { cursors: {} };
  }
}

function compareCursor(a: [string, number], b: [string, number]): number {
  return a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1;
}

/** A stable number for a record version (dead letters are keyed by source and position: a re-read replaces, not adds). */
function positionOf(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6);
}

/** Field names of a model for a version, before the server is asked (docs and the test double). */
export function fieldNames(model: OdooModel, version: OdooMajor): string[] {
  return FIELDS[model].filter((s) => !s.versions || s.versions.includes(version)).map((s) => s.names[0]!);
}
