/**
 * The Odoo fields the poller reads, per model and Odoo version (16–19). A field is named once by its
 * role here (`done_qty`) and by its Odoo name per version (`quantity_done` in 16, `quantity` from 17),
 * so the mapping reads roles and never cares which version answered. Where Odoo renamed a field in
 * a saas release between two majors, both names are candidates and `fields_get` picks the one the
 * server has.
 *
 * Sources: the models' Python definitions in odoo/odoo 16.0–19.0 and the upgrade scripts (e.g.
 * saas~18.1 renames sale.order.line `product_uom` → `product_uom_id`; 17.0 replaces stock.move
 * `quantity_done` and `reserved_availability` with `quantity`; 18.0 replaces product type `product`
 * with `is_storable`; 19.0's uom.uom has `relative_factor`/`relative_uom_id` instead of `factor`).
 */

export const ODOO_VERSIONS = [16, 17, 18, 19] as const;
export type OdooMajor = (typeof ODOO_VERSIONS)[number];

export interface FieldSpec {
  /** The role the mapping reads. */
  role: string;
  /** Odoo names to try, in order (the first the server has wins). */
  names: readonly string[];
  /** Versions that have the field (default: all). */
  versions?: readonly OdooMajor[];
  /** Not every database has it (a module that may be missing): left out, not an error. */
  optional?: boolean;
}

const f = (role: string, names: string | readonly string[], extra: Omit<FieldSpec, 'role' | 'names'> = {}): FieldSpec => ({
  role,
  names: typeof names === 'string' ? [names] : names,
  ...extra,
});

const COMMON = [f('id', 'id'), f('write_date', 'write_date')];

/** Models read only to resolve relations (never turned into events themselves). */
export const LOOKUP_MODELS = ['res.company', 'stock.warehouse', 'uom.uom'] as const;

/** Lookup models of the purchase side: a purchase order names its warehouse only through its operation type. */
export const PURCHASE_LOOKUP_MODELS = ['stock.picking.type'] as const;

/**
 * Models the poller follows, in the order each cycle reads them: master data before what refers to
 * it, an order before its lines (the order's dates and warehouse go into every line's event), purchase
 * lines before the bills that refer to them.
 */
export const POLLED_MODELS = [
  'stock.location',
  'product.product',
  'res.partner',
  'sale.order',
  'sale.order.line',
  'purchase.order',
  'purchase.order.line',
  'stock.move',
  'stock.quant',
  'account.move',
  'account.move.line',
  'quality.check',
] as const;
export type PolledModel = (typeof POLLED_MODELS)[number];
/** Read by id when a polled record refers to one (a quality check's transfer), never polled. */
export const REFERENCED_MODELS = ['stock.picking'] as const;
export type OdooModel = PolledModel | (typeof LOOKUP_MODELS)[number] | (typeof PURCHASE_LOOKUP_MODELS)[number] | (typeof REFERENCED_MODELS)[number];

/**
 * Header → lines: a change of the header (an order's commitment date, a bill posted) changes what its
 * lines' events say without touching the lines' write_date, so the poller re-reads the lines of every
 * header that changed, and a line's event version is the later of the two write_dates.
 */
export const LINES_OF: Partial<Record<PolledModel, { lines: PolledModel; link: string }>> = {
  'sale.order': { lines: 'sale.order.line', link: 'order_id' },
  'purchase.order': { lines: 'purchase.order.line', link: 'order_id' },
  'account.move': { lines: 'account.move.line', link: 'move_id' },
};

/** Each line model's header: the poller reads the headers a page of lines refers to before mapping it. */
export const HEADER_OF: Partial<Record<PolledModel, { header: PolledModel; role: string }>> = {
  'sale.order.line': { header: 'sale.order', role: 'order' },
  'purchase.order.line': { header: 'purchase.order', role: 'order' },
  'account.move.line': { header: 'account.move', role: 'move' },
};

/**
 * Role → lookup model, per model: the lookups read at start miss what was created since (a new
 * warehouse, unit or operation type), so the poller reads the ids a page refers to and the lookups
 * lack before mapping it (a unit's parent, an operation type's warehouse: the same, in turn).
 */
export const LOOKUP_REFERENCES: Partial<Record<OdooModel, ReadonlyArray<readonly [role: string, model: OdooModel]>>> = {
  'stock.location': [['warehouse', 'stock.warehouse']],
  'product.product': [['uom', 'uom.uom']],
  'sale.order.line': [['uom', 'uom.uom'], ['warehouse', 'stock.warehouse']],
  'purchase.order': [['picking_type', 'stock.picking.type']],
  'purchase.order.line': [['uom', 'uom.uom']],
  'stock.move': [['uom', 'uom.uom']],
  'account.move.line': [['uom', 'uom.uom']],
  'stock.picking.type': [['warehouse', 'stock.warehouse']],
  'uom.uom': [['relative_uom', 'uom.uom']],
};

/** What a poll of the model reads, besides its company: vendor bills only, counts under way only. */
export const MODEL_DOMAIN: Partial<Record<PolledModel, readonly unknown[]>> = {
  'account.move': [['move_type', 'in', ['in_invoice', 'in_refund']]],
  'account.move.line': [['move_type', 'in', ['in_invoice', 'in_refund']], ['display_type', '=', 'product']],
  // A quant with inventory_quantity_set holds a count entered and not yet applied: the only moment
  // Odoo has counted and system quantity side by side (applying resets the count and leaves a move).
  'stock.quant': [['inventory_quantity_set', '=', true]],
};

export const FIELDS: Record<OdooModel, readonly FieldSpec[]> = {
  'res.company': [...COMMON, f('name', 'name')],
  'stock.warehouse': [...COMMON, f('code', 'code'), f('name', 'name'), f('company', 'company_id')],
  'uom.uom': [
    ...COMMON,
    f('name', 'name'),
    f('active', 'active'),
    // Reference units per unit = 1 / factor (16–18: Dozens has factor 1/12).
    f('factor', 'factor', { versions: [16, 17, 18] }),
    // 19: a tree of units; this unit holds relative_factor of its parent (Dozens: 12 Units).
    f('relative_factor', 'relative_factor', { versions: [19] }),
    f('relative_uom', 'relative_uom_id', { versions: [19] }),
  ],
  'stock.location': [
    ...COMMON,
    f('complete_name', 'complete_name'),
    f('name', 'name'),
    f('usage', 'usage'),
    f('warehouse', 'warehouse_id'),
    f('company', 'company_id'),
    f('active', 'active'),
  ],
  'product.product': [
    ...COMMON,
    f('default_code', 'default_code'),
    f('name', 'name'),
    f('uom', 'uom_id'),
    f('category', 'categ_id'),
    f('standard_price', 'standard_price'),
    f('active', 'active'),
    f('company', 'company_id'),
    f('type', 'type'),
    f('is_storable', 'is_storable', { versions: [18, 19] }),
  ],
  'res.partner': [
    ...COMMON,
    f('name', 'name'),
    f('ref', 'ref'),
    f('customer_rank', 'customer_rank'),
    f('supplier_rank', 'supplier_rank'),
    f('company', 'company_id'),
    f('active', 'active'),
  ],
  'sale.order.line': [
    ...COMMON,
    f('order', 'order_id'),
    f('product', 'product_id'),
    f('qty', 'product_uom_qty'),
    f('uom', ['product_uom', 'product_uom_id']),
    f('price_unit', 'price_unit'),
    f('state', 'state'),
    f('create_date', 'create_date'),
    f('partner', 'order_partner_id'),
    f('company', 'company_id'),
    f('warehouse', 'warehouse_id', { optional: true }),
    // line_section / line_note (18+ also line_subsection): layout lines without a product.
    f('display_type', 'display_type', { optional: true }),
  ],
  'stock.move': [
    ...COMMON,
    f('product', 'product_id'),
    f('uom', ['product_uom', 'product_uom_id']),
    f('location', 'location_id'),
    f('location_dest', 'location_dest_id'),
    f('state', 'state'),
    f('date', 'date'),
    f('company', 'company_id'),
    f('picking', 'picking_id'),
    f('price_unit', 'price_unit'),
    f('done_qty', 'quantity_done', { versions: [16] }),
    f('reserved_qty', 'reserved_availability', { versions: [16] }),
    // From 17 one field: reserved while the move is open, done once it is done.
    f('quantity', 'quantity', { versions: [17, 18, 19] }),
    f('sale_line', 'sale_line_id', { optional: true }),
    f('purchase_line', 'purchase_line_id', { optional: true }),
  ],
  'stock.picking': [...COMMON, f('location_dest', 'location_dest_id'), f('company', 'company_id')],
  'stock.picking.type': [...COMMON, f('warehouse', 'warehouse_id'), f('company', 'company_id'), f('code', 'code')],
  'sale.order': [
    ...COMMON,
    f('name', 'name'),
    f('state', 'state'),
    f('company', 'company_id'),
    // The delivery date promised to the customer, when one was set on the order.
    f('commitment_date', 'commitment_date'),
    // Computed (not stored) from the confirmation date and the lines' customer lead times.
    f('expected_date', 'expected_date', { optional: true }),
  ],
  'purchase.order': [
    ...COMMON,
    f('name', 'name'),
    f('state', 'state'),
    f('company', 'company_id'),
    f('partner', 'partner_id'),
    f('date_order', 'date_order'),
    f('date_approve', 'date_approve'),
    // The receipt's operation type: its warehouse is the order's.
    f('picking_type', 'picking_type_id'),
  ],
  'purchase.order.line': [
    ...COMMON,
    f('order', 'order_id'),
    f('product', 'product_id'),
    f('qty', 'product_qty'),
    // Renamed with sale.order.line's in saas~18.x: 19 has product_uom_id.
    f('uom', ['product_uom', 'product_uom_id']),
    f('price_unit', 'price_unit'),
    f('date_planned', 'date_planned'),
    f('partner', 'partner_id'),
    f('company', 'company_id'),
    f('display_type', 'display_type', { optional: true }),
  ],
  'stock.quant': [
    ...COMMON,
    f('product', 'product_id'),
    f('location', 'location_id'),
    f('company', 'company_id'),
    f('quantity', 'quantity'),
    f('inventory_quantity', 'inventory_quantity'),
    f('inventory_diff_quantity', 'inventory_diff_quantity'),
    f('inventory_quantity_set', 'inventory_quantity_set'),
    f('user', 'user_id'),
    // Who wrote the count when nobody was assigned to it.
    f('write_uid', 'write_uid'),
    // The previous applied count (computed from the inventory move lines): tells one count of a quant from the next.
    f('last_count_date', 'last_count_date', { optional: true }),
    f('lot', 'lot_id', { optional: true }),
  ],
  'account.move': [
    ...COMMON,
    f('name', 'name'),
    f('state', 'state'),
    f('move_type', 'move_type'),
    f('company', 'company_id'),
    f('partner', 'partner_id'),
    f('date', 'date'),
  ],
  'account.move.line': [
    ...COMMON,
    f('move', 'move_id'),
    f('move_type', 'move_type'),
    f('parent_state', 'parent_state'),
    f('display_type', 'display_type'),
    f('product', 'product_id'),
    f('qty', 'quantity'),
    f('uom', 'product_uom_id'),
    f('price_unit', 'price_unit'),
    f('partner', 'partner_id'),
    f('company', 'company_id'),
    f('date', 'date'),
    // Only with the purchase module: a bill line without it is a bill without an order.
    f('purchase_line', 'purchase_line_id', { optional: true }),
  ],
  // Enterprise (quality_control): not in the public sources; the names are those of its views and API docs.
  'quality.check': [
    ...COMMON,
    f('product', 'product_id'),
    f('quality_state', 'quality_state'),
    f('company', 'company_id'),
    f('picking', 'picking_id'),
    f('control_date', 'control_date', { optional: true }),
    f('lot', ['lot_id', 'lot_name'], { optional: true }),
    f('qty', ['qty_line', 'qty_tested'], { optional: true }),
  ],
};

/** Role → the Odoo field name this server uses. */
export type ResolvedFields = ReadonlyMap<string, string>;

/**
 * The fields of `model` for `version`, resolved against what the server has (`available`: the keys
 * of fields_get). Returns the names to request, or the required roles the server lacks.
 */
export function resolveFields(model: OdooModel, version: OdooMajor, available: ReadonlySet<string>): { fields: ResolvedFields; missing: string[] } {
  const fields = new Map<string, string>();
  const missing: string[] = [];
  for (const spec of FIELDS[model]) {
    if (spec.versions && !spec.versions.includes(version)) continue;
    const name = spec.names.find((n) => available.has(n));
    if (name) fields.set(spec.role, name);
    else if (!spec.optional) missing.push(spec.names.join(' or '));
  }
  return { fields, missing };
}

/** The version whose field list applies: exact for 16–19, the nearest for saas releases and later majors. */
export function fieldVersion(major: number): OdooMajor {
  if (major <= 16) return 16;
  if (major >= 19) return 19;
  return major as OdooMajor;
}
