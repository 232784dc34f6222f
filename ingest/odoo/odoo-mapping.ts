/**
 * Odoo record → canonical events: the one mapping every Odoo path uses (the JSON-RPC poller now, a
 * CDC consumer of Odoo's tables later). Input: a model name and a record with its field values as
 * Odoo returns them (many2one as `[id, name]` or a bare id). Output: candidate events (validated
 * afterwards by `events/validate.ts`, like every source's), nothing (a record the ledger has no use
 * for, with why), or a dead-letter reason.
 *
 * Identity: `record_id` is `<model>:<id>` and `version` is the record's write_date in epoch ms, so
 * the same record at the same write always maps to the same event ids (re-polls deduplicate), and a
 * later write is a higher version (it replaces). The table of fields is in docs/odoo.md.
 */
import { LOCATION_USAGES } from '../../events/schema.js';
import { fieldVersion, resolveFields, type OdooModel, type ResolvedFields } from './odoo-fields.js';
import { productSku, type LocationInfo, type OdooLookups, type ProductInfo, type PurchaseOrderInfo } from './odoo-lookups.js';
import { m2oId, m2oName, odooInstant, odooMillis, type OdooRecord } from './odoo-values.js';

export interface MappingContext {
  /** The event `source`, e.g. `odoo-prod`. */
  source: string;
  lookups: OdooLookups;
  /** Odoo ids of the companies followed: records shared by all companies (company_id false) become one event per company. */
  companyIds: readonly number[];
  /** Is this internal location (complete name) a quarantine location? */
  isQuarantine: (completeName: string) => boolean;
  /** The role → field names of the server per model (default: resolved from the record's own keys). */
  fields?: (model: OdooModel) => ResolvedFields | undefined;
  /** The Odoo major version (for the default field resolution). */
  version?: number;
}

export type Candidate = Record<string, unknown> & { type: string; record_id: string };

export type MappingResult =
  | { kind: 'events'; events: Candidate[] }
  /** Nothing to emit, by design (a contact that is neither customer nor vendor, a service product). */
  | { kind: 'skip'; reason: string }
  /**
   * A record that cannot become an event. `awaitsRecord`: because a record it refers to (a relation,
   * a unit) is unknown so far: a change feed that reads several tables may still bring it.
   */
  | { kind: 'dead'; reason: string; awaitsRecord: boolean };

const dead = (reason: string, awaitsRecord = false): MappingResult => ({ kind: 'dead', reason, awaitsRecord });
const skip = (reason: string): MappingResult => ({ kind: 'skip', reason });

/** Maps one Odoo record of `model`. Never throws on bad data: every problem is a dead-letter reason. */
export function mapOdooRecord(model: string, record: OdooRecord, ctx: MappingContext): MappingResult {
  const id = record.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) return dead(`${model}: record without a valid id (${JSON.stringify(id)})`);
  const fields = ctx.fields?.(model as OdooModel) ?? resolveFields(model as OdooModel, fieldVersion(ctx.version ?? 17), new Set(Object.keys(record))).fields;
  const get = (role: string) => (fields.has(role) ? record[fields.get(role)!] : undefined);
  const version = odooMillis(get('write_date'));
  if (version === undefined) return dead(`${model}:${id}: write_date ${JSON.stringify(get('write_date'))} is not an Odoo datetime`);
  const ref = `${model}:${id}`;
  const base = { source: ctx.source, version };
  const m = new Mapper(ctx, ref, get);
  try {
    switch (model) {
      case 'stock.location':
        return m.location(base, id);
      case 'product.product':
        return m.product(base, id);
      case 'res.partner':
        return m.partner(base, id);
      case 'sale.order.line':
        return m.salesLine(base, id);
      case 'stock.move':
        return m.move(base, id);
      case 'sale.order':
      case 'purchase.order':
      case 'account.move':
        // Headers carry what their lines' events say (dates, warehouse, posted or not): the poller
        // keeps them in the lookups and maps the lines again; the header itself is no event.
        return skip(`${ref}: a header, read for its lines`);
      case 'purchase.order.line':
        return m.purchaseLine(base, id);
      case 'stock.quant':
        return m.count(base, id);
      case 'account.move.line':
        return m.billLine(base, id);
      case 'quality.check':
        return m.qualityCheck(base, id);
      default:
        return dead(
          `${ref}: no mapping for model ${model} (mapped: stock.location, product.product, res.partner, sale.order, sale.order.line, purchase.order, purchase.order.line, stock.move, stock.quant, account.move, account.move.line, quality.check)`,
        );
    }
  } catch (e) {
    if (e instanceof MappingProblem) return dead(`${ref}: ${e.message}`, e.awaitsRecord);
    throw e;
  }
}

class MappingProblem extends Error {
  /** The problem is a record not found (the messages of those start so: see `MappingResult`). */
  readonly awaitsRecord = this.message.startsWith('missing relation') || this.message.startsWith('unknown unit of measure');
}

type Base = { source: string; version: number };

class Mapper {
  constructor(
    private readonly ctx: MappingContext,
    private readonly ref: string,
    private readonly get: (role: string) => unknown,
  ) {}

  location(base: Base, id: number): MappingResult {
    const usage = String(this.get('usage'));
    if (!(LOCATION_USAGES as readonly string[]).includes(usage)) throw new MappingProblem(`unknown location usage "${usage}" (known: ${LOCATION_USAGES.join(', ')})`);
    const completeName = String(this.get('complete_name') || this.get('name'));
    const warehouseId = m2oId(this.get('warehouse'));
    const warehouse = warehouseId === undefined ? null : this.warehouse(warehouseId, 'warehouse_id');
    const body = {
      type: 'location',
      occurred_at: this.instant('write_date'),
      location: completeName,
      name: String(this.get('name') ?? completeName),
      usage,
      warehouse: usage === 'internal' || usage === 'transit' ? warehouse : null,
      quarantine: usage === 'internal' && this.ctx.isQuarantine(completeName),
    };
    return this.perCompany(base, id, body);
  }

  product(base: Base, id: number): MappingResult {
    const info = this.ctx.lookups.products.get(id);
    const storable = info?.storable ?? (this.get('is_storable') === true || this.get('type') === 'product');
    if (!storable) return skip(`${this.ref} is not tracked in inventory (type ${JSON.stringify(this.get('type'))})`);
    const cost = Number(this.get('standard_price') ?? 0);
    if (!(cost >= 0)) throw new MappingProblem(`negative or invalid cost standard_price ${JSON.stringify(this.get('standard_price'))}`);
    const uomId = m2oId(this.get('uom'));
    if (uomId !== undefined && this.ctx.lookups.toReference(uomId) === undefined) throw new MappingProblem(`unknown unit of measure uom_id ${this.ctx.lookups.uomName(uomId, this.get('uom'))} (not in uom.uom, or without a factor)`);
    const body = {
      type: 'product',
      occurred_at: this.instant('write_date'),
      sku: productSku(id, this.get('default_code')),
      name: String(this.get('name') ?? ''),
      uom: this.ctx.lookups.uomName(uomId, this.get('uom')),
      category: m2oName(this.get('category')) ?? '',
      unit_cost: cost,
      active: this.get('active') !== false,
    };
    return this.perCompany(base, id, body);
  }

  partner(base: Base, id: number): MappingResult {
    const roles = [...(Number(this.get('customer_rank')) > 0 ? ['customer'] : []), ...(Number(this.get('supplier_rank')) > 0 ? ['vendor'] : [])];
    if (!roles.length) return skip(`${this.ref} is neither a customer nor a vendor (customer_rank and supplier_rank are 0)`);
    return this.perCompany(base, id, { type: 'partner', occurred_at: this.instant('write_date'), partner: `res.partner:${id}`, name: String(this.get('name') ?? ''), roles });
  }

  salesLine(base: Base, id: number): MappingResult {
    if (this.get('display_type')) return skip(`${this.ref}: a section or note line`);
    const company = this.company();
    const product = this.product_(company.id);
    // A delivery charge, a down payment, a service: no move ever delivers it, so as a line it would
    // fail OTIF and fill rate on every order that has one.
    if (!product.storable) return skip(`${this.ref}: product ${product.sku} is not tracked in inventory`);
    this.refuseArchived(product);
    const qty = this.quantity(this.get('qty'), 'product_uom_qty', product);
    const price = Number(this.get('price_unit') ?? 0);
    if (!(price >= 0)) throw new MappingProblem(`negative price_unit ${price}`);
    const warehouseId = m2oId(this.get('warehouse'));
    if (warehouseId === undefined) throw new MappingProblem('no warehouse_id (install sale_stock, or set the warehouse on the order)');
    const partner = m2oId(this.get('partner'));
    if (partner === undefined) throw new MappingProblem('missing relation: order_partner_id is empty');
    const order = m2oId(this.get('order'));
    if (order === undefined) throw new MappingProblem('missing relation: order_id is empty');
    const state = SALE_STATES[String(this.get('state'))];
    if (!state) throw new MappingProblem(`unknown state "${String(this.get('state'))}" (known: ${Object.keys(SALE_STATES).join(', ')})`);
    const orderedAt = this.instant('create_date');
    // The line's unit price per product unit: a price per dozen is twelve times the price per unit.
    const perProductUnit = qty.factor === 0 ? price : price / qty.factor;
    const dates = this.saleDates(base, order);
    return {
      kind: 'events',
      events: [
        {
          ...base,
          ...dates.version,
          company: company.code,
          type: 'sales_order_line',
          record_id: this.ref,
          occurred_at: dates.occurredAt ?? this.instant('write_date'),
          order_id: `sale.order:${order}`,
          line_id: this.ref,
          sku: product.sku,
          warehouse: this.warehouse(warehouseId, 'warehouse_id'),
          customer: `res.partner:${partner}`,
          qty_ordered: qty.value,
          unit_price: round(perProductUnit),
          ordered_at: orderedAt,
          requested_date: dates.requested,
          committed_date: dates.committed,
          state,
        },
      ],
    };
  }

  /**
   * The customer dates of a sales line from its order, when the order is known (the poller reads it;
   * a path without orders keeps null dates). requested = the order's commitment_date (the delivery
   * date agreed with the customer); committed = that, else expected_date (what Odoo promises from the
   * lead times) once the order is confirmed — a quotation's expected date moves with the clock.
   * The event's version is the later write_date of line and order: an order edit is a new version.
   */
  private saleDates(base: Base, orderId: number): { requested: string | null; committed: string | null; version?: { version: number }; occurredAt?: string } {
    const order = this.ctx.lookups.saleOrders.get(orderId);
    if (!order) return { requested: null, committed: null };
    const confirmed = order.state === 'sale' || order.state === 'done';
    const requested = order.commitmentDate ?? null;
    const committed = requested ?? (confirmed ? (order.expectedDate ?? null) : null);
    const version = Math.max(base.version, order.writeMs ?? 0);
    return { requested, committed, version: { version }, occurredAt: new Date(version).toISOString() };
  }

  purchaseLine(base: Base, id: number): MappingResult {
    if (this.get('display_type')) return skip(`${this.ref}: a section or note line`);
    const company = this.company();
    const orderId = m2oId(this.get('order'));
    if (orderId === undefined) throw new MappingProblem('missing relation: order_id is empty');
    const order = this.ctx.lookups.purchaseOrders.get(orderId);
    if (!order) throw new MappingProblem(`missing relation: order_id purchase.order:${orderId} not found (the order gives the warehouse and the order date)`);
    if (order.companyId !== undefined && order.companyId !== company.id) {
      throw new MappingProblem(`company mismatch: order purchase.order:${orderId} belongs to company ${order.companyId}, the line to company ${company.id}`);
    }
    const product = this.product_(company.id);
    if (!product.storable) return skip(`${this.ref}: product ${product.sku} is not tracked in inventory`);
    this.refuseArchived(product);
    const qty = this.quantity(this.get('qty'), 'product_qty', product);
    const price = Number(this.get('price_unit') ?? 0);
    if (!(price >= 0)) throw new MappingProblem(`negative price_unit ${price}`);
    const state = PURCHASE_STATES[order.state];
    if (!state) throw new MappingProblem(`unknown order state "${order.state}" (known: ${Object.keys(PURCHASE_STATES).join(', ')})`);
    const vendor = m2oId(this.get('partner')) ?? order.partnerId;
    if (vendor === undefined) throw new MappingProblem('missing relation: partner_id (the vendor) is empty on the line and its order');
    if (order.orderedAt === undefined) throw new MappingProblem(`purchase.order:${orderId} has neither date_approve nor date_order`);
    const version = Math.max(base.version, order.writeMs ?? 0);
    return {
      kind: 'events',
      events: [
        {
          ...base,
          version,
          company: company.code,
          type: 'purchase_order_line',
          record_id: this.ref,
          occurred_at: new Date(version).toISOString(),
          order_id: `purchase.order:${orderId}`,
          line_id: this.ref,
          sku: product.sku,
          warehouse: this.orderWarehouse(order, company.id),
          vendor: `res.partner:${vendor}`,
          qty_ordered: qty.value,
          unit_price: round(qty.factor === 0 ? price : price / qty.factor),
          ordered_at: order.orderedAt,
          planned_date: this.instant('date_planned'),
          // Odoo overwrites date_planned on a reschedule and keeps no history of it.
          original_planned_date: null,
          state,
        },
      ],
    };
  }

  /**
   * A count entered on a quant and not yet applied (inventory_quantity_set): counted and system
   * quantity, in the product's unit. The count's identity is the quant and the previous applied
   * count (last_count_date): the next count of the same quant is another count, a correction of the
   * entered quantity is a new version of the same one.
   */
  count(base: Base, id: number): MappingResult {
    if (this.get('inventory_quantity_set') !== true) return skip(`${this.ref}: no count entered (inventory_quantity_set is false)`);
    const company = this.company();
    const location = this.locationOf('location', 'location_id', company.id);
    if (location.usage !== 'internal' && location.usage !== 'transit') return skip(`${this.ref}: a ${location.usage} location is not counted`);
    const product = this.product_(company.id);
    if (!product.storable) return skip(`${this.ref}: product ${product.sku} is not tracked in inventory`);
    const counted = Number(this.get('inventory_quantity'));
    if (typeof this.get('inventory_quantity') !== 'number' || !Number.isFinite(counted)) throw new MappingProblem(`inventory_quantity ${JSON.stringify(this.get('inventory_quantity'))} is not a number`);
    if (counted < 0) throw new MappingProblem(`negative quantity: inventory_quantity ${counted} (a count cannot find less than nothing)`);
    const system = Number(this.get('quantity'));
    if (typeof this.get('quantity') !== 'number' || !Number.isFinite(system)) throw new MappingProblem(`quantity ${JSON.stringify(this.get('quantity'))} is not a number`);
    const user = m2oName(this.get('user')) ?? m2oName(this.get('write_uid')) ?? (m2oId(this.get('user')) ?? m2oId(this.get('write_uid')) !== undefined ? `res.users:${m2oId(this.get('user')) ?? m2oId(this.get('write_uid'))}` : undefined);
    if (user === undefined) throw new MappingProblem('missing relation: neither user_id nor write_uid names who counted');
    const previous = odooInstant(this.get('last_count_date'))?.slice(0, 10) ?? 'first';
    return {
      kind: 'events',
      events: [
        {
          ...base,
          company: company.code,
          type: 'inventory_count',
          record_id: this.ref,
          occurred_at: this.instant('write_date'),
          count_id: `${this.ref}:after:${previous}`,
          sku: product.sku,
          warehouse: this.locationWarehouse(location),
          location: location.completeName,
          // Quants hold quantities in the product's unit: nothing to convert.
          counted_qty: round(counted),
          system_qty: round(system),
          user,
          // Odoo asks for the reason when the count is applied (it names the move), not before.
          reason: null,
        },
      ],
    };
  }

  /** A product line of a posted vendor bill; refunds and unposted bills are no event (see docs/odoo.md). */
  billLine(base: Base, id: number): MappingResult {
    const billId = m2oId(this.get('move'));
    if (billId === undefined) throw new MappingProblem('missing relation: move_id is empty');
    const bill = this.ctx.lookups.bills.get(billId);
    const moveType = bill?.moveType ?? String(this.get('move_type'));
    const state = bill?.state ?? String(this.get('parent_state'));
    if (moveType !== 'in_invoice' && moveType !== 'in_refund') return skip(`${this.ref}: not a vendor bill (move_type ${moveType})`);
    const displayType = this.get('display_type');
    if (displayType !== undefined && displayType !== false && displayType !== 'product') return skip(`${this.ref}: a ${String(displayType)} line, not a product line`);
    if (state !== 'posted') return skip(`${this.ref}: bill ${billId} is ${state}, not posted`);
    // The event has no sign: a refund's quantity would add to what was billed instead of taking it back.
    if (moveType === 'in_refund') return skip(`${this.ref}: a vendor refund line (vendor_bill_line cannot take a quantity back yet)`);
    const company = this.company();
    if (m2oId(this.get('product')) === undefined) return skip(`${this.ref}: a bill line without a product (not a stock purchase)`);
    const product = this.product_(company.id);
    if (!product.storable) return skip(`${this.ref}: product ${product.sku} is not tracked in inventory`);
    const qty = this.quantity(this.get('qty'), 'quantity', product);
    const price = Number(this.get('price_unit') ?? 0);
    if (!(price >= 0)) throw new MappingProblem(`negative price_unit ${price}`);
    const partner = m2oId(this.get('partner'));
    if (partner === undefined) throw new MappingProblem('missing relation: partner_id (the vendor) is empty');
    const purchaseLineId = m2oId(this.get('purchase_line'));
    const version = Math.max(base.version, bill?.writeMs ?? 0);
    return {
      kind: 'events',
      events: [
        {
          ...base,
          version,
          company: company.code,
          type: 'vendor_bill_line',
          record_id: this.ref,
          occurred_at: this.instant('date'),
          bill_id: bill?.name && bill.name !== '/' ? bill.name : (m2oName(this.get('move')) ?? `account.move:${billId}`),
          line_id: this.ref,
          purchase_line_id: purchaseLineId === undefined ? null : `purchase.order.line:${purchaseLineId}`,
          vendor: `res.partner:${partner}`,
          sku: product.sku,
          warehouse: this.billWarehouse(purchaseLineId, company.id),
          qty: qty.value,
          unit_price: round(qty.factor === 0 ? price : price / qty.factor),
        },
      ],
    };
  }

  /**
   * A quality check with a result (pass or fail) on a receipt: where the goods are is the receipt's
   * destination, which the poller reads from the picking (see `pickingDestinations`).
   */
  qualityCheck(base: Base, id: number): MappingResult {
    const result = String(this.get('quality_state'));
    if (result !== 'pass' && result !== 'fail') return skip(`${this.ref}: no result yet (quality_state ${result})`);
    const company = this.company();
    const product = this.product_(company.id);
    const pickingId = m2oId(this.get('picking'));
    if (pickingId === undefined) return skip(`${this.ref}: not a check on a transfer (no picking_id)`);
    const destination = this.ctx.lookups.pickingDestinations.get(pickingId);
    if (destination === undefined) throw new MappingProblem(`missing relation: picking_id stock.picking:${pickingId} not found (its destination is where the checked goods are)`);
    const location = this.ctx.lookups.locations.get(destination);
    if (!location) throw new MappingProblem(`missing relation: the destination ${destination} of stock.picking:${pickingId} not found in stock.location`);
    if (location.companyId !== undefined && location.companyId !== company.id) throw new MappingProblem(`company mismatch: ${location.completeName} belongs to company ${location.companyId}, the check to company ${company.id}`);
    const rawQty = this.get('qty');
    if (rawQty === undefined || rawQty === false) throw new MappingProblem('no checked quantity (qty_line / qty_tested): Ledgerline cannot tell how much was released or rejected');
    const qty = this.quantity(rawQty, 'qty_line', product);
    const lot = this.get('lot');
    return {
      kind: 'events',
      events: [
        {
          ...base,
          company: company.code,
          type: 'quality_check',
          record_id: this.ref,
          occurred_at: odooInstant(this.get('control_date')) ?? this.instant('write_date'),
          check_id: this.ref,
          sku: product.sku,
          warehouse: this.locationWarehouse(location),
          location: location.completeName,
          lot: m2oName(lot) ?? (typeof lot === 'string' && lot ? lot : null),
          qty: qty.value,
          result,
          purchase_line_id: null,
        },
      ],
    };
  }

  move(base: Base, id: number): MappingResult {
    const company = this.company();
    const state = String(this.get('state'));
    const from = this.locationOf('location', 'location_id', company.id);
    const to = this.locationOf('location_dest', 'location_dest_id', company.id);
    const product = this.product_(company.id);
    if (!product.storable) return skip(`${this.ref}: product ${product.sku} is not tracked in inventory`);
    const saleLine = m2oId(this.get('sale_line'));
    const purchaseLine = m2oId(this.get('purchase_line'));
    const fromInternal = from.usage === 'internal';
    const events: Candidate[] = [];
    const reservation = (qty: number): Candidate => ({
      ...base,
      company: company.code,
      type: 'reservation',
      record_id: this.ref,
      // When the reservation changed (the move's `date` is its schedule, not when it was reserved).
      occurred_at: this.instant('write_date'),
      reservation_id: this.ref,
      sku: product.sku,
      warehouse: this.locationWarehouse(from),
      location: from.completeName,
      qty_reserved: qty,
      sales_line_id: saleLine === undefined ? null : `sale.order.line:${saleLine}`,
    });
    if (state === 'done') {
      const qty = this.quantity(this.get('done_qty') ?? this.get('quantity'), this.fieldName('done_qty', 'quantity'), product);
      if (qty.value === 0) return skip(`${this.ref}: done with quantity 0`);
      const holds = (l: LocationInfo) => l.usage === 'internal' || l.usage === 'transit';
      events.push({
        ...base,
        company: company.code,
        type: 'stock_move',
        record_id: this.ref,
        occurred_at: this.instant('date'),
        move_id: this.ref,
        sku: product.sku,
        qty: qty.value,
        from_location: from.completeName,
        from_usage: from.usage,
        from_warehouse: holds(from) ? this.locationWarehouse(from) : null,
        to_location: to.completeName,
        to_usage: to.usage,
        to_warehouse: holds(to) ? this.locationWarehouse(to) : null,
        sales_line_id: saleLine === undefined ? null : `sale.order.line:${saleLine}`,
        purchase_line_id: purchaseLine === undefined ? null : `purchase.order.line:${purchaseLine}`,
        picking: m2oName(this.get('picking')) ?? (m2oId(this.get('picking')) !== undefined ? `stock.picking:${m2oId(this.get('picking'))}` : null),
        lot: null,
        unit_cost: round(Math.abs(Number(this.get('price_unit') ?? 0)) || product.standardPrice),
      });
      // Done: whatever it held is no longer reserved.
      if (fromInternal) events.push(reservation(0));
      return { kind: 'events', events };
    }
    if (!fromInternal) return skip(`${this.ref}: open move from a ${from.usage} location reserves nothing`);
    if (state === 'cancel') return { kind: 'events', events: [reservation(0)] };
    if (!product.active) throw new MappingProblem(`product ${product.sku} (product.product:${product.id}) is archived: an open move reserves stock of a product no longer sold; unarchive it in Odoo or cancel the move`);
    const reservedRaw = this.get('reserved_qty') ?? this.get('quantity') ?? 0;
    const reserved = this.quantity(reservedRaw, this.fieldName('reserved_qty', 'quantity'), product, true);
    events.push(reservation(reserved.value));
    return { kind: 'events', events };
  }

  // --- relations --------------------------------------------------------------------------------

  private company(): { id: number; code: string } {
    const id = m2oId(this.get('company'));
    if (id === undefined) throw new MappingProblem('missing relation: company_id is empty');
    if (this.ctx.companyIds.length && !this.ctx.companyIds.includes(id)) {
      throw new MappingProblem(`company mismatch: company_id ${id} is not one of the followed companies (${this.ctx.companyIds.join(', ')})`);
    }
    return { id, code: this.companyCode(id) };
  }

  private companyCode(id: number): string {
    const code = this.ctx.lookups.company(id);
    if (code === undefined) throw new MappingProblem(`missing relation: company res.company:${id} not found`);
    return code;
  }

  /** One event per followed company for a record shared by all (company_id false), else one. */
  private perCompany(base: Base, id: number, body: Record<string, unknown> & { type: string }): MappingResult {
    const owner = m2oId(this.get('company'));
    if (owner !== undefined) {
      if (this.ctx.companyIds.length && !this.ctx.companyIds.includes(owner)) return skip(`${this.ref} belongs to company ${owner}, not followed`);
      return { kind: 'events', events: [{ ...base, company: this.companyCode(owner), record_id: this.ref, ...body }] };
    }
    const companies = this.ctx.companyIds.length ? this.ctx.companyIds : [...this.ctx.lookups.companies.keys()];
    // record_id per company: the same Odoo record is one row per company in the master tables.
    return { kind: 'events', events: companies.map((c) => ({ ...base, company: this.companyCode(c), record_id: `${this.ref}:${this.companyCode(c)}`, ...body })) };
  }

  /** An order line of an archived product: Odoo would not let one be ordered now, so a person should look. */
  private refuseArchived(product: ProductInfo): void {
    if (!product.active) throw new MappingProblem(`product ${product.sku} (product.product:${product.id}) is archived: unarchive it in Odoo or cancel the line`);
  }

  private product_(companyId: number): ProductInfo {
    const productId = m2oId(this.get('product'));
    if (productId === undefined) throw new MappingProblem('missing relation: product_id is empty');
    const product = this.ctx.lookups.products.get(productId);
    if (!product) throw new MappingProblem(`missing relation: product_id ${productId} (${m2oName(this.get('product')) ?? '?'}) not found in product.product (archived products are read too: check the API user may read it)`);
    if (product.companyId !== undefined && product.companyId !== companyId) {
      throw new MappingProblem(`company mismatch: product ${product.sku} belongs to company ${product.companyId}, the record to company ${companyId}`);
    }
    return product;
  }

  private locationOf(role: string, field: string, companyId: number): LocationInfo {
    const locationId = m2oId(this.get(role));
    if (locationId === undefined) throw new MappingProblem(`missing relation: ${field} is empty`);
    const location = this.ctx.lookups.locations.get(locationId);
    if (!location) throw new MappingProblem(`missing relation: ${field} ${locationId} (${m2oName(this.get(role)) ?? '?'}) not found in stock.location`);
    if (location.companyId !== undefined && location.companyId !== companyId) {
      throw new MappingProblem(`company mismatch: ${field} ${location.completeName} belongs to company ${location.companyId}, the move to company ${companyId}`);
    }
    return location;
  }

  /** The warehouse of a purchase order: its operation type's. */
  private orderWarehouse(order: PurchaseOrderInfo, companyId: number): string {
    if (order.pickingTypeId === undefined) throw new MappingProblem(`missing relation: purchase.order:${order.id} has no picking_type_id (the operation type gives the warehouse)`);
    const type = this.ctx.lookups.pickingTypes.get(order.pickingTypeId);
    if (!type) throw new MappingProblem(`missing relation: picking_type_id stock.picking.type:${order.pickingTypeId} of purchase.order:${order.id} not found`);
    if (type.companyId !== undefined && type.companyId !== companyId) {
      throw new MappingProblem(`company mismatch: operation type stock.picking.type:${order.pickingTypeId} belongs to company ${type.companyId}, the order to company ${companyId}`);
    }
    if (type.warehouseId === undefined) throw new MappingProblem(`missing relation: operation type stock.picking.type:${order.pickingTypeId} has no warehouse (a dropship order never reaches stock)`);
    return this.warehouse(type.warehouseId, `warehouse_id of stock.picking.type:${order.pickingTypeId}`);
  }

  /** A bill line's warehouse: its purchase line's; without one, the company's only warehouse. */
  private billWarehouse(purchaseLineId: number | undefined, companyId: number): string {
    if (purchaseLineId !== undefined) {
      const line = this.ctx.lookups.purchaseLines.get(purchaseLineId);
      const order = line?.orderId === undefined ? undefined : this.ctx.lookups.purchaseOrders.get(line.orderId);
      if (!order) throw new MappingProblem(`missing relation: purchase_line_id purchase.order.line:${purchaseLineId} (or its order) not found`);
      return this.orderWarehouse(order, companyId);
    }
    const own = [...this.ctx.lookups.warehouseCompanies].filter(([, c]) => c === companyId).map(([w]) => w);
    if (own.length !== 1) throw new MappingProblem(`missing relation: no purchase_line_id, and company ${companyId} has ${own.length} warehouses: the bill line's warehouse is unknown (bill it from the purchase order)`);
    return this.warehouse(own[0]!, 'the company\'s warehouse');
  }

  private locationWarehouse(location: LocationInfo): string {
    if (location.warehouseId === undefined) throw new MappingProblem(`missing relation: ${location.usage} location ${location.completeName} has no warehouse (warehouse_id)`);
    return this.warehouse(location.warehouseId, `warehouse_id of ${location.completeName}`);
  }

  private warehouse(id: number, what: string): string {
    const code = this.ctx.lookups.warehouses.get(id);
    if (code === undefined) throw new MappingProblem(`missing relation: ${what} ${id} not found in stock.warehouse`);
    return code;
  }

  // --- values -----------------------------------------------------------------------------------

  private instant(role: string): string {
    const value = this.get(role);
    const iso = odooInstant(value);
    if (iso === undefined) throw new MappingProblem(`${role} ${JSON.stringify(value)} is not an Odoo datetime`);
    return iso;
  }

  private fieldName(...roles: string[]): string {
    return roles.find((r) => this.get(r) !== undefined) ?? roles[0]!;
  }

  /**
   * A quantity in the record's unit converted to the product's unit (a move of 2 Dozens is 24 Units);
   * `factor` is product units per record unit. Negative quantities and unknown units are refused.
   */
  private quantity(raw: unknown, field: string, product: ProductInfo, zeroOk = true): { value: number; factor: number } {
    const value = Number(raw);
    if (typeof raw !== 'number' || !Number.isFinite(value)) throw new MappingProblem(`${field} ${JSON.stringify(raw)} is not a number`);
    if (value < 0) throw new MappingProblem(`negative quantity: ${field} ${value}`);
    if (value === 0 && !zeroOk) throw new MappingProblem(`${field} is 0`);
    const uomValue = this.get('uom');
    const uomId = m2oId(uomValue) ?? product.uomId;
    const from = this.ctx.lookups.toReference(uomId);
    if (from === undefined) throw new MappingProblem(`unknown unit of measure ${this.ctx.lookups.uomName(uomId, uomValue)}: not in uom.uom (or without a factor)`);
    const to = this.ctx.lookups.toReference(product.uomId);
    if (to === undefined) throw new MappingProblem(`unknown unit of measure of product ${product.sku}: ${this.ctx.lookups.uomName(product.uomId)}`);
    const factor = from / to;
    return { value: round(value * factor), factor };
  }
}

const SALE_STATES: Record<string, string> = { draft: 'draft', sent: 'draft', sale: 'confirmed', done: 'done', cancel: 'cancelled' };
const PURCHASE_STATES: Record<string, string> = { draft: 'draft', sent: 'draft', 'to approve': 'draft', purchase: 'confirmed', done: 'done', cancel: 'cancelled' };

/** Unit conversions in floating point give 23.999999999999996: six decimals is Odoo's own precision at most. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
