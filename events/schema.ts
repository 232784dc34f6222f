/**
 * The canonical event union: the one contract between ingest and everything after it.
 *
 * Every source (files, the generator, later Odoo and Debezium) normalizes to these shapes and
 * they are validated once, at the edge (see `validate.ts`). Inside the pipeline the static types
 * carry the guarantees. The JSON Schema in `schema/events.schema.json` is generated from here
 * (`npm run gen`); `docs/events.md` shows an example of each type.
 *
 * Field names follow Odoo where there is one obvious counterpart (`stock.move` → `stock_move`,
 * `sale.order.line` → `sales_order_line`, `location_id.usage` → `from_usage`, …).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const SCHEMA_VERSION = 1;

/** Upper bound for any quantity or price: larger values are input errors, not business. */
export const MAX_QUANTITY = 1e9;

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Timestamp = Type.String({
  format: 'date-time',
  description: 'ISO-8601 instant with a zone (Z or ±hh:mm); milliseconds kept.',
});
const Quantity = Type.Number({ minimum: 0, maximum: MAX_QUANTITY, description: 'In the product unit of measure.' });
const PositiveQuantity = Type.Number({ exclusiveMinimum: 0, maximum: MAX_QUANTITY });
const Money = Type.Number({ minimum: 0, maximum: MAX_QUANTITY, description: 'Per unit, company currency.' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Odoo `stock.location.usage`. Only internal and transit locations hold stock on the ledger. */
export const LOCATION_USAGES = ['internal', 'transit', 'supplier', 'customer', 'inventory', 'production', 'scrap', 'view'] as const;
export type LocationUsageName = (typeof LOCATION_USAGES)[number];
export const LocationUsage = Type.Union(LOCATION_USAGES.map((u) => Type.Literal(u)));

/** Fields every event carries. */
const envelope = {
  schema_version: Type.Literal(SCHEMA_VERSION),
  event_id: Type.String({
    minLength: 1,
    maxLength: 400,
    description: 'Deterministic: `source/type/record_id@version` (see event-id.ts). Computed when absent.',
  }),
  source: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^/@]+$', description: 'The system the record comes from, e.g. `odoo-prod`.' }),
  record_id: Type.String({ minLength: 1, maxLength: 200, description: 'The record in the source, e.g. `stock.move:4711`.' }),
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Increases with every change of the record in the source (a counter, or e.g. write_date in epoch ms).' }),
  company: Id,
  occurred_at: Timestamp,
  ingested_at: Type.Optional(Timestamp),
};

function event<T extends string, P extends Record<string, TSchema>>(type: T, description: string, props: P) {
  return Type.Object(
    { ...envelope, type: Type.Literal(type), ...props },
    { additionalProperties: false, $id: type, title: type, description },
  );
}

export const ProductEvent = event('product', 'Master data: a stockable product (Odoo product.product).', {
  sku: Id,
  name: Type.String({ maxLength: 500 }),
  uom: Type.String({ minLength: 1, maxLength: 50 }),
  category: Type.String({ maxLength: 200 }),
  unit_cost: Money,
  active: Type.Boolean(),
});

export const LocationEvent = event('location', 'Master data: a stock location (Odoo stock.location).', {
  location: Id,
  name: Type.String({ maxLength: 500 }),
  usage: LocationUsage,
  warehouse: Nullable(Id),
  quarantine: Type.Boolean({ description: 'Internal location whose stock is held (quality control), not available.' }),
});

export const PartnerEvent = event('partner', 'Master data: a customer or vendor (Odoo res.partner).', {
  partner: Id,
  name: Type.String({ maxLength: 500 }),
  roles: Type.Array(Type.Union([Type.Literal('customer'), Type.Literal('vendor')]), { minItems: 1, uniqueItems: true }),
});

const LineState = Type.Union([Type.Literal('draft'), Type.Literal('confirmed'), Type.Literal('done'), Type.Literal('cancelled')]);

export const SalesOrderLineEvent = event('sales_order_line', 'A customer order line (Odoo sale.order.line) as of this version.', {
  order_id: Id,
  line_id: Id,
  sku: Id,
  warehouse: Id,
  customer: Id,
  qty_ordered: Quantity,
  unit_price: Money,
  ordered_at: Timestamp,
  requested_date: Nullable(Timestamp),
  committed_date: Nullable(Timestamp),
  state: LineState,
});

export const PurchaseOrderLineEvent = event('purchase_order_line', 'A purchase order line (Odoo purchase.order.line) as of this version.', {
  order_id: Id,
  line_id: Id,
  sku: Id,
  warehouse: Id,
  vendor: Id,
  qty_ordered: Quantity,
  unit_price: Money,
  ordered_at: Timestamp,
  planned_date: Timestamp,
  original_planned_date: Nullable(Timestamp),
  state: LineState,
});

export const ReservationEvent = event(
  'reservation',
  'The quantity currently reserved by one outgoing move at one location (Odoo stock.move.line quantity on a not-done move). Each version replaces the previous; 0 releases it.',
  {
    reservation_id: Id,
    sku: Id,
    warehouse: Id,
    location: Id,
    qty_reserved: Quantity,
    sales_line_id: Nullable(Id),
  },
);

export const StockMoveEvent = event('stock_move', 'A done stock move (Odoo stock.move in state done). Quantities change on the ledger only through moves.', {
  move_id: Id,
  sku: Id,
  qty: PositiveQuantity,
  from_location: Id,
  from_usage: LocationUsage,
  from_warehouse: Nullable(Id),
  to_location: Id,
  to_usage: LocationUsage,
  to_warehouse: Nullable(Id),
  sales_line_id: Nullable(Id),
  purchase_line_id: Nullable(Id),
  picking: Nullable(Id),
  lot: Nullable(Id),
  unit_cost: Money,
});

export const InventoryCountEvent = event('inventory_count', 'A physical count of one SKU at one location (Odoo stock.quant inventory_quantity applied).', {
  count_id: Id,
  sku: Id,
  warehouse: Id,
  location: Id,
  counted_qty: Quantity,
  system_qty: Type.Number({ minimum: -MAX_QUANTITY, maximum: MAX_QUANTITY }),
  user: Id,
  reason: Nullable(Type.String({ maxLength: 200 })),
});

export const VendorBillLineEvent = event('vendor_bill_line', 'A vendor bill line (Odoo account.move.line of an in_invoice).', {
  bill_id: Id,
  line_id: Id,
  purchase_line_id: Nullable(Id),
  vendor: Id,
  sku: Id,
  warehouse: Id,
  qty: Quantity,
  unit_price: Money,
});

export const QualityCheckEvent = event('quality_check', 'A quality check on received stock (Odoo quality.check): pass releases, fail rejects.', {
  check_id: Id,
  sku: Id,
  warehouse: Id,
  location: Id,
  lot: Nullable(Id),
  qty: Quantity,
  result: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
  purchase_line_id: Nullable(Id),
});

/** Every event type, by its `type` discriminator. */
export const EVENT_SCHEMAS = {
  product: ProductEvent,
  location: LocationEvent,
  partner: PartnerEvent,
  sales_order_line: SalesOrderLineEvent,
  purchase_order_line: PurchaseOrderLineEvent,
  reservation: ReservationEvent,
  stock_move: StockMoveEvent,
  inventory_count: InventoryCountEvent,
  vendor_bill_line: VendorBillLineEvent,
  quality_check: QualityCheckEvent,
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

export type ProductEvent = Static<typeof ProductEvent>;
export type LocationEvent = Static<typeof LocationEvent>;
export type PartnerEvent = Static<typeof PartnerEvent>;
export type SalesOrderLineEvent = Static<typeof SalesOrderLineEvent>;
export type PurchaseOrderLineEvent = Static<typeof PurchaseOrderLineEvent>;
export type ReservationEvent = Static<typeof ReservationEvent>;
export type StockMoveEvent = Static<typeof StockMoveEvent>;
export type InventoryCountEvent = Static<typeof InventoryCountEvent>;
export type VendorBillLineEvent = Static<typeof VendorBillLineEvent>;
export type QualityCheckEvent = Static<typeof QualityCheckEvent>;

export type ErpEvent =
  | ProductEvent
  | LocationEvent
  | PartnerEvent
  | SalesOrderLineEvent
  | PurchaseOrderLineEvent
  | ReservationEvent
  | StockMoveEvent
  | InventoryCountEvent
  | VendorBillLineEvent
  | QualityCheckEvent;

/** The union as one schema (for the generated JSON Schema file). */
export const ErpEventSchema = Type.Union(Object.values(EVENT_SCHEMAS), {
  $id: 'https://ledgerline.dev/schema/erp-event.v1.json',
  title: 'Ledgerline ErpEvent v1',
  description: 'One canonical ERP event; `type` selects the variant.',
});
