/**
 * What a mapped record refers to and does not carry itself: a stock move names its product and
 * locations by id; the ledger needs the SKU, each location's usage and warehouse code, the unit
 * conversion. The poller fills this from the records it reads (lookup models in full at start,
 * then every polled record as it passes, and by id what a record refers to that it lacks); a CDC
 * consumer would fill it from its table snapshots.
 */
import { m2oId, m2oName, odooInstant, odooMillis, type OdooRecord } from './odoo-values.js';
import type { ResolvedFields } from './odoo-fields.js';

export interface LocationInfo {
  id: number;
  completeName: string;
  usage: string;
  warehouseId: number | undefined;
  companyId: number | undefined;
}

export interface ProductInfo {
  id: number;
  sku: string;
  uomId: number | undefined;
  active: boolean;
  storable: boolean;
  companyId: number | undefined;
  standardPrice: number;
}

export interface UomInfo {
  id: number;
  name: string;
  /** Reference units in one of this unit (Dozens: 12), once resolved. */
  toReference: number | undefined;
  /** 19 only: the parent unit and how many of it this one holds. */
  relative?: { parent: number | undefined; factor: number };
}

/** A sales order as its lines need it: the dates promised to the customer. */
export interface SaleOrderInfo {
  id: number;
  writeMs: number | undefined;
  state: string;
  /** commitment_date (ISO), when set on the order. */
  commitmentDate: string | undefined;
  /** expected_date (ISO): what Odoo promises from the lead times. */
  expectedDate: string | undefined;
}

/** A purchase order as its lines need it: vendor, dates, warehouse (through the operation type). */
export interface PurchaseOrderInfo {
  id: number;
  name: string | undefined;
  writeMs: number | undefined;
  state: string;
  companyId: number | undefined;
  partnerId: number | undefined;
  /** date_approve (confirmation) else date_order, ISO. */
  orderedAt: string | undefined;
  pickingTypeId: number | undefined;
}

/** A purchase order line as a bill line needs it: its order (for the warehouse). */
export interface PurchaseLineInfo {
  id: number;
  orderId: number | undefined;
}

/** A journal entry header (a vendor bill or refund) as its lines need it. */
export interface BillInfo {
  id: number;
  name: string | undefined;
  writeMs: number | undefined;
  state: string;
  moveType: string;
}

export class OdooLookups {
  readonly companies = new Map<number, string>();
  readonly warehouses = new Map<number, string>();
  readonly locations = new Map<number, LocationInfo>();
  readonly products = new Map<number, ProductInfo>();
  readonly uoms = new Map<number, UomInfo>();
  /** stock.picking.type id → its warehouse id (undefined: a type without a warehouse, e.g. dropship). */
  readonly pickingTypes = new Map<number, { warehouseId: number | undefined; companyId: number | undefined }>();
  readonly saleOrders = new Map<number, SaleOrderInfo>();
  readonly purchaseOrders = new Map<number, PurchaseOrderInfo>();
  readonly purchaseLines = new Map<number, PurchaseLineInfo>();
  readonly bills = new Map<number, BillInfo>();
  /** stock.warehouse id → its company id (a bill line without an order falls back to the company's only warehouse). */
  readonly warehouseCompanies = new Map<number, number | undefined>();
  /** stock.picking id → its destination location id. */
  readonly pickingDestinations = new Map<number, number | undefined>();

  constructor(
    /** Odoo company id → the Ledgerline company code; companies not named here use their Odoo name. */
    readonly companyCodes: ReadonlyMap<number, string> = new Map(),
  ) {}

  /** Records what `record` (of `model`, fields named as in `fields`) tells about its relations. */
  learn(model: string, record: OdooRecord, fields: ResolvedFields): void {
    const get = (role: string) => (fields.has(role) ? record[fields.get(role)!] : undefined);
    const id = Number(record.id);
    switch (model) {
      case 'res.company':
        this.companies.set(id, this.companyCodes.get(id) ?? String(get('name')));
        return;
      case 'stock.warehouse':
        this.warehouses.set(id, String(get('code')));
        this.warehouseCompanies.set(id, m2oId(get('company')));
        return;
      case 'stock.picking':
        this.pickingDestinations.set(id, m2oId(get('location_dest')));
        return;
      case 'uom.uom': {
        const factor = get('factor');
        const relative = get('relative_factor');
        this.uoms.set(id, {
          id,
          name: String(get('name')),
          toReference: typeof factor === 'number' && factor > 0 ? 1 / factor : undefined,
          ...(typeof relative === 'number' ? { relative: { parent: m2oId(get('relative_uom')), factor: relative } } : {}),
        });
        return;
      }
      case 'stock.location':
        this.locations.set(id, {
          id,
          completeName: String(get('complete_name') || get('name')),
          usage: String(get('usage')),
          warehouseId: m2oId(get('warehouse')),
          companyId: m2oId(get('company')),
        });
        return;
      case 'product.product': {
        const type = get('type');
        const storable = fields.has('is_storable') ? get('is_storable') === true : type === 'product';
        this.products.set(id, {
          id,
          sku: productSku(id, get('default_code')),
          uomId: m2oId(get('uom')),
          active: get('active') !== false,
          storable,
          companyId: m2oId(get('company')),
          standardPrice: Number(get('standard_price') ?? 0),
        });
        return;
      }
      case 'stock.picking.type':
        this.pickingTypes.set(id, { warehouseId: m2oId(get('warehouse')), companyId: m2oId(get('company')) });
        return;
      case 'sale.order':
        this.saleOrders.set(id, {
          id,
          writeMs: odooMillis(get('write_date')),
          state: String(get('state')),
          commitmentDate: odooInstant(get('commitment_date')),
          expectedDate: odooInstant(get('expected_date')),
        });
        return;
      case 'purchase.order':
        this.purchaseOrders.set(id, {
          id,
          name: typeof get('name') === 'string' ? (get('name') as string) : undefined,
          writeMs: odooMillis(get('write_date')),
          state: String(get('state')),
          companyId: m2oId(get('company')),
          partnerId: m2oId(get('partner')),
          orderedAt: odooInstant(get('date_approve')) ?? odooInstant(get('date_order')),
          pickingTypeId: m2oId(get('picking_type')),
        });
        return;
      case 'purchase.order.line':
        this.purchaseLines.set(id, { id, orderId: m2oId(get('order')) });
        return;
      case 'account.move':
        this.bills.set(id, {
          id,
          name: typeof get('name') === 'string' ? (get('name') as string) : undefined,
          writeMs: odooMillis(get('write_date')),
          state: String(get('state')),
          moveType: String(get('move_type')),
        });
        return;
      default:
        return;
    }
  }

  /** The Ledgerline code of an Odoo company (its configured code, else its name; the id if never seen). */
  company(id: number): string | undefined {
    return this.companyCodes.get(id) ?? this.companies.get(id);
  }

  /** Reference units in one `uomId` (Dozens → 12), or undefined for a unit never seen or without a factor. */
  toReference(uomId: number | undefined): number | undefined {
    if (uomId === undefined) return undefined;
    const uom = this.uoms.get(uomId);
    if (!uom) return undefined;
    if (uom.toReference !== undefined) return uom.toReference;
    if (!uom.relative) return undefined;
    // 19: walk up the tree (a cycle or a missing parent leaves the unit unknown).
    let factor = 1;
    let at: UomInfo | undefined = uom;
    for (let depth = 0; at?.relative && depth < 20; depth++) {
      factor *= at.relative.factor;
      if (at.relative.parent === undefined || at.relative.parent === at.id) return factor > 0 ? factor : undefined;
      at = this.uoms.get(at.relative.parent);
    }
    return undefined;
  }

  /** The display name of the Odoo unit, for messages. */
  uomName(uomId: number | undefined, value?: unknown): string {
    return (uomId !== undefined ? this.uoms.get(uomId)?.name : undefined) ?? m2oName(value) ?? `uom.uom:${uomId}`;
  }
}

/** A product's SKU: its internal reference, else a stable id-based code (so every path agrees). */
export function productSku(id: number, defaultCode: unknown): string {
  return typeof defaultCode === 'string' && defaultCode.trim() ? defaultCode.trim() : `product.product:${id}`;
}
