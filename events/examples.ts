import { eventId } from './event-id.js';
import { SCHEMA_VERSION, type ErpEvent, type EventType } from './schema.js';

type Body<T extends ErpEvent> = Omit<T, 'schema_version' | 'event_id' | 'source' | 'version' | 'company' | 'ingested_at'>;

function example<T extends ErpEvent>(body: Body<T> & { type: T['type'] }, version = 1): T {
  const source = 'odoo-prod';
  return {
    schema_version: SCHEMA_VERSION,
    event_id: eventId(source, body.type as EventType, body.record_id, version),
    source,
    version,
    company: 'acme',
    ...body,
  } as T;
}

/** One valid example of every event type: documentation (docs/events.md) and test data. */
export const EXAMPLES: { [K in EventType]: Extract<ErpEvent, { type: K }> } = {
  product: example({ type: 'product', record_id: 'product.product:42', occurred_at: '2025-01-01T08:00:00.000Z', sku: 'SKU-0042', name: 'Hex bolt M8', uom: 'Units', category: 'Fasteners', unit_cost: 0.12, active: true }),
  location: example({ type: 'location', record_id: 'stock.location:18', occurred_at: '2025-01-01T08:00:00.000Z', location: 'WH1/Quality', name: 'WH1 Quality Control', usage: 'internal', warehouse: 'WH1', quarantine: true }),
  partner: example({ type: 'partner', record_id: 'res.partner:7', occurred_at: '2025-01-01T08:00:00.000Z', partner: 'V-007', name: 'Bolt Supply GmbH', roles: ['vendor'] }),
  sales_order_line: example(
    { type: 'sales_order_line', record_id: 'sale.order.line:901', occurred_at: '2025-02-03T10:15:00.000Z', order_id: 'S00311', line_id: 'sale.order.line:901', sku: 'SKU-0042', warehouse: 'WH1', customer: 'C-104', qty_ordered: 500, unit_price: 0.3, ordered_at: '2025-02-03T10:15:00.000Z', requested_date: '2025-02-05T00:00:00.000Z', committed_date: '2025-02-06T00:00:00.000Z', state: 'confirmed' },
    2,
  ),
  purchase_order_line: example({ type: 'purchase_order_line', record_id: 'purchase.order.line:77', occurred_at: '2025-01-20T09:00:00.000Z', order_id: 'P00077', line_id: 'purchase.order.line:77', sku: 'SKU-0042', warehouse: 'WH1', vendor: 'V-007', qty_ordered: 5000, unit_price: 0.11, ordered_at: '2025-01-20T09:00:00.000Z', planned_date: '2025-02-01T00:00:00.000Z', original_planned_date: '2025-02-01T00:00:00.000Z', state: 'confirmed' }),
  reservation: example({ type: 'reservation', record_id: 'stock.move:5531', occurred_at: '2025-02-03T10:15:02.000Z', reservation_id: 'stock.move:5531', sku: 'SKU-0042', warehouse: 'WH1', location: 'WH1/Stock', qty_reserved: 500, sales_line_id: 'sale.order.line:901' }),
  stock_move: example({ type: 'stock_move', record_id: 'stock.move:5531', occurred_at: '2025-02-05T14:02:11.250Z', move_id: 'stock.move:5531', sku: 'SKU-0042', qty: 500, from_location: 'WH1/Stock', from_usage: 'internal', from_warehouse: 'WH1', to_location: 'Partners/Customers', to_usage: 'customer', to_warehouse: null, sales_line_id: 'sale.order.line:901', purchase_line_id: null, picking: 'WH1/OUT/00311', lot: null, unit_cost: 0.12 }),
  inventory_count: example({ type: 'inventory_count', record_id: 'stock.quant:3301', occurred_at: '2025-02-10T07:30:00.000Z', count_id: 'count:2025-02-10:3301', sku: 'SKU-0042', warehouse: 'WH1', location: 'WH1/Stock', counted_qty: 4480, system_qty: 4500, user: 'anna', reason: 'damaged' }),
  vendor_bill_line: example({ type: 'vendor_bill_line', record_id: 'account.move.line:12001', occurred_at: '2025-02-02T12:00:00.000Z', bill_id: 'BILL/2025/0031', line_id: 'account.move.line:12001', purchase_line_id: 'purchase.order.line:77', vendor: 'V-007', sku: 'SKU-0042', warehouse: 'WH1', qty: 5000, unit_price: 0.11 }),
  quality_check: example({ type: 'quality_check', record_id: 'quality.check:88', occurred_at: '2025-02-01T15:00:00.000Z', check_id: 'quality.check:88', sku: 'SKU-0042', warehouse: 'WH1', location: 'WH1/Quality', lot: 'LOT-2025-02-A', qty: 5000, result: 'pass', purchase_line_id: 'purchase.order.line:77' }),
};
