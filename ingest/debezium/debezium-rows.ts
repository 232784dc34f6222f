/**
 * PostgreSQL rows of Odoo's tables → the records Odoo's ORM returns for its models, so that the one
 * Odoo mapping (ingest/odoo/odoo-mapping.ts) turns them into events as it does for the poller. A
 * stored Odoo field is a column of the same name, so a row is mostly a record already; what differs:
 * - values (debezium-values.ts): foreign keys are bare ids (which the mapping reads like `[id, name]`),
 *   timestamps are epoch numbers, numerics may be text, translated names are jsonb;
 * - `product.product` is two tables: the variant (`product_product`: default_code, active, and from 18
 *   the company-dependent standard_price) and its template (`product_template`: name, type /
 *   is_storable, uom_id, categ_id, company_id). A template change is a new version of each variant.
 * Category names (`product_category`) are only read to name a product's category.
 */
import { fieldVersion, resolveFields, type OdooMajor, type OdooModel, type ResolvedFields } from '../odoo/odoo-fields.js';
import type { OdooRecord } from '../odoo/odoo-values.js';
import type { Row } from './debezium-envelope.js';
import { ColumnProblem, companyValue, odooDatetime, odooId, odooNumber, odooText, type ColumnTypes } from './debezium-values.js';

/** The tables Ledgerline reads, and the Odoo model each one is (templates and categories complete products). */
export const TABLE_MODELS = {
  res_company: 'res.company',
  stock_warehouse: 'stock.warehouse',
  uom_uom: 'uom.uom',
  product_category: undefined,
  stock_location: 'stock.location',
  product_template: undefined,
  product_product: 'product.product',
  res_partner: 'res.partner',
  sale_order_line: 'sale.order.line',
  stock_move: 'stock.move',
} as const satisfies Record<string, OdooModel | undefined>;
export type OdooTable = keyof typeof TABLE_MODELS;
export const TABLES = Object.keys(TABLE_MODELS) as OdooTable[];
/** Tables whose rows are referred to by others (read before the rest in each drain, so fewer rows wait). */
export const REFERENCE_TABLES: readonly OdooTable[] = ['res_company', 'stock_warehouse', 'uom_uom', 'product_category', 'stock_location', 'product_template', 'product_product'];
/** Tables that may be left out of the connector (sales not followed, partners not needed, categories unnamed). */
export const OPTIONAL_TABLES: readonly OdooTable[] = ['product_category', 'res_partner', 'sale_order_line'];

const DATETIMES = new Set(['write_date', 'create_date', 'date']);
const NUMERICS = new Set(['quantity', 'quantity_done', 'reserved_availability', 'product_uom_qty', 'price_unit', 'factor', 'relative_factor', 'customer_rank', 'supplier_rank']);
/** Many2one columns not named `*_id`. */
const KEYS = new Set(['product_uom']);
/** Translated (jsonb) columns, per table. */
const TRANSLATED: Partial<Record<OdooTable, ReadonlySet<string>>> = { uom_uom: new Set(['name']), product_template: new Set(['name']), product_category: new Set(['name']) };

export type RowResult =
  | { kind: 'records'; records: Array<{ model: OdooModel; record: OdooRecord; fields: ResolvedFields }> }
  /** Needs a row of another table not read yet (a variant before its template). */
  | { kind: 'wait'; reason: string }
  | { kind: 'dead'; reason: string };

export class OdooRows {
  readonly version: OdooMajor;
  private readonly templates = new Map<number, OdooRecord>();
  private readonly variants = new Map<number, OdooRecord>();
  private readonly variantsOf = new Map<number, Set<number>>();
  private readonly categories = new Map<number, string>();

  constructor(odooVersion: number) {
    this.version = fieldVersion(odooVersion);
  }

  /** A row as of a change (`after`) → the records of Odoo models it is (a template: every variant of it). */
  records(table: OdooTable, row: Row, types: ColumnTypes): RowResult {
    const id = row.id;
    const ref = `${table}:${String(id)}`;
    let values: OdooRecord;
    try {
      values = convert(table, row, types);
    } catch (e) {
      if (e instanceof ColumnProblem) return { kind: 'dead', reason: `${ref}: ${e.message}` };
      throw e;
    }
    switch (table) {
      case 'product_category':
        this.categories.set(Number(id), String(values.complete_name || values.name));
        return { kind: 'records', records: [] };
      case 'product_template': {
        this.templates.set(Number(id), values);
        const out = [];
        for (const variant of this.variantsOf.get(Number(id)) ?? []) {
          const merged = this.product(this.variants.get(variant)!);
          if (merged.kind === 'dead') return merged;
          out.push(merged.record);
        }
        return { kind: 'records', records: out.map((record) => ({ model: 'product.product' as const, record, fields: this.fields('product.product', record) })) };
      }
      case 'product_product': {
        this.variants.set(Number(id), values);
        const template = odooId('product_tmpl_id', values.product_tmpl_id);
        if (template !== false) {
          if (!this.variantsOf.has(template)) this.variantsOf.set(template, new Set());
          this.variantsOf.get(template)!.add(Number(id));
        }
        if (template === false || !this.templates.has(template)) return { kind: 'wait', reason: `${ref}: missing relation: product_tmpl_id ${template || 'empty'} not found in product_template` };
        const merged = this.product(values);
        return merged.kind === 'dead' ? merged : this.one('product.product', merged.record);
      }
      default: {
        const model = TABLE_MODELS[table];
        return this.one(model, values);
      }
    }
  }

  private one(model: OdooModel, record: OdooRecord): RowResult {
    const resolved = resolveFields(model, this.version, new Set(Object.keys(record)));
    if (resolved.missing.length) {
      return {
        kind: 'dead',
        reason: `${model}:${String(record.id)}: the row lacks column(s) ${resolved.missing.join(', ')} that Ledgerline reads for Odoo ${this.version}: check odoo_version in the config, and that the connector does not exclude them (column.exclude.list)`,
      };
    }
    return { kind: 'records', records: [{ model, record, fields: resolved.fields }] };
  }

  private fields(model: OdooModel, record: OdooRecord): ResolvedFields {
    return resolveFields(model, this.version, new Set(Object.keys(record))).fields;
  }

  /** A variant with its template's fields: the `product.product` record the ORM would return. */
  private product(variant: OdooRecord): { kind: 'ok'; record: OdooRecord } | { kind: 'dead'; reason: string } {
    const template = this.templates.get(variant.product_tmpl_id as number)!;
    const categ = template.categ_id;
    const companyId = typeof template.company_id === 'number' ? template.company_id : undefined;
    let standardPrice: number | null = null;
    try {
      // 16–17 keep the cost in ir_property, not in a column: 0 then (docs/debezium.md).
      standardPrice = companyValue('standard_price', variant.standard_price, companyId);
    } catch (e) {
      if (e instanceof ColumnProblem) return { kind: 'dead', reason: `product.product:${String(variant.id)}: ${e.message}` };
      throw e;
    }
    const later = [variant.write_date, template.write_date].filter((d): d is string => typeof d === 'string').sort().pop() ?? false;
    return {
      kind: 'ok',
      record: {
        id: variant.id,
        default_code: variant.default_code,
        active: variant.active,
        write_date: later,
        name: template.name,
        uom_id: template.uom_id,
        categ_id: typeof categ === 'number' && this.categories.has(categ) ? [categ, this.categories.get(categ)!] : categ,
        standard_price: standardPrice ?? 0,
        company_id: template.company_id,
        type: template.type,
        ...('is_storable' in template ? { is_storable: template.is_storable } : {}),
      },
    };
  }
}

/** Every column of the row with the value the ORM would read; other columns are passed as they are. */
function convert(table: OdooTable, row: Row, types: ColumnTypes): OdooRecord {
  const out: OdooRecord = {};
  const translated = TRANSLATED[table];
  for (const [column, value] of Object.entries(row)) {
    const type = types.get(column);
    if (column === 'id') out.id = value;
    else if (DATETIMES.has(column)) out[column] = odooDatetime(column, value, type);
    else if (NUMERICS.has(column)) out[column] = odooNumber(column, value, type);
    else if (column.endsWith('_id') || KEYS.has(column)) out[column] = odooId(column, value);
    else if (translated?.has(column)) out[column] = odooText(column, value);
    // As the ORM reads an empty value: false (standard_price stays as it is: company-dependent jsonb).
    else out[column] = value === null ? false : value;
  }
  if (typeof out.id !== 'number' || !Number.isInteger(out.id)) throw new ColumnProblem(`the row has no integer id (${JSON.stringify(row.id)})`);
  return out;
}
