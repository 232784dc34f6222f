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
import { ColumnProblem, companyValue, odooDatetime, odooDay, odooId, odooNumber, odooText, type ColumnTypes } from './debezium-values.js';

/** The tables Ledgerline reads, and the Odoo model each one is (templates and categories complete products). */
export const TABLE_MODELS = {
  res_company: 'res.company',
  stock_warehouse: 'stock.warehouse',
  uom_uom: 'uom.uom',
  product_category: undefined,
  stock_location: 'stock.location',
  product_template: undefined,
  product_product: 'product.product',
  stock_picking_type: 'stock.picking.type',
  res_partner: 'res.partner',
  sale_order: 'sale.order',
  sale_order_line: 'sale.order.line',
  purchase_order: 'purchase.order',
  purchase_order_line: 'purchase.order.line',
  stock_move: 'stock.move',
  stock_quant: 'stock.quant',
  account_move: 'account.move',
  account_move_line: 'account.move.line',
} as const satisfies Record<string, OdooModel | undefined>;
export type OdooTable = keyof typeof TABLE_MODELS;
export const TABLES = Object.keys(TABLE_MODELS) as OdooTable[];
/** Tables whose rows are referred to by others (read before the rest in each drain, so fewer rows wait). */
export const REFERENCE_TABLES: readonly OdooTable[] = ['res_company', 'stock_warehouse', 'uom_uom', 'product_category', 'stock_location', 'product_template', 'product_product', 'stock_picking_type'];
/**
 * Orders and bills: a header change re-maps the lines already seen, so both are kept in memory, and
 * both are read again from their topics' start when Ledgerline starts (compacted topics hold the
 * latest row of each), like the reference tables.
 */
export const ORDER_TABLES: readonly OdooTable[] = ['sale_order', 'sale_order_line', 'purchase_order', 'purchase_order_line', 'account_move', 'account_move_line'];
/** Tables that may be left out of the connector (sales, purchases, bills or counts not followed, partners not needed, categories unnamed). */
export const OPTIONAL_TABLES: readonly OdooTable[] = [
  'product_category',
  'res_partner',
  'stock_picking_type',
  'sale_order',
  'sale_order_line',
  'purchase_order',
  'purchase_order_line',
  'stock_quant',
  'account_move',
  'account_move_line',
];
/** A followed table → the tables its rows cannot be mapped without (the config refuses to follow it alone). */
export const NEEDS: Partial<Record<OdooTable, readonly OdooTable[]>> = {
  purchase_order_line: ['purchase_order', 'stock_picking_type'],
  // A bill line's warehouse is its purchase order's (without an order: the company's only warehouse).
  account_move_line: ['account_move', 'purchase_order', 'purchase_order_line', 'stock_picking_type'],
};

const DATETIMES = new Set(['write_date', 'create_date', 'date', 'date_order', 'date_approve', 'date_planned', 'commitment_date']);
/** `date` columns (not timestamps), per table: the ORM reads them as "YYYY-MM-DD". */
const DATES: Partial<Record<OdooTable, ReadonlySet<string>>> = {
  account_move: new Set(['date', 'invoice_date', 'invoice_date_due']),
  account_move_line: new Set(['date', 'invoice_date']),
  stock_quant: new Set(['inventory_date']),
};
const NUMERICS = new Set([
  'quantity',
  'quantity_done',
  'reserved_availability',
  'product_uom_qty',
  'product_qty',
  'price_unit',
  'factor',
  'relative_factor',
  'customer_rank',
  'supplier_rank',
  'inventory_quantity',
  'inventory_diff_quantity',
  'customer_lead',
]);
/** Many2one columns not named `*_id`. */
const KEYS = new Set(['product_uom', 'write_uid', 'create_uid']);
/** Translated (jsonb) columns, per table. */
const TRANSLATED: Partial<Record<OdooTable, ReadonlySet<string>>> = {
  uom_uom: new Set(['name']),
  product_template: new Set(['name']),
  product_category: new Set(['name']),
  stock_picking_type: new Set(['name']),
};

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
      case 'account_move_line':
        // A related field without a column: the mapping reads the bill's move_type from the header.
        return this.one('account.move.line', 'move_type' in values ? values : { ...values, move_type: false });
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
    else if (DATES[table]?.has(column)) out[column] = odooDay(column, value, type);
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
