/**
 * Hand-built order lines and their moves for KPI tests: small enough to compute every KPI by hand,
 * run through the real pipeline and store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventId } from '../events/event-id.js';
import { EXAMPLES } from '../events/examples.js';
import type { ErpEvent, InventoryCountEvent, ProductEvent, PurchaseOrderLineEvent, ReservationEvent, SalesOrderLineEvent, StockMoveEvent, VendorBillLineEvent } from '../events/schema.js';
import type { Config } from '../config/config.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { kpiSettings } from '../kpis/kpi.js';
import { queryKpi, type KpiRequest, type KpiRow } from '../store/kpi-query.js';
import { runInputs, tempDir, testConfig, withStore } from './harness.js';

const day = (d: string, time = '12:00:00.000') => `2025-01-${d}T${time}Z`;

export function salesLine(id: string, order: string, qty: number, committed: string | null, opts: Partial<SalesOrderLineEvent> = {}): SalesOrderLineEvent {
  const version = opts.version ?? 1;
  return {
    ...EXAMPLES.sales_order_line,
    record_id: id,
    line_id: id,
    order_id: order,
    version,
    event_id: eventId('odoo-prod', 'sales_order_line', id, version),
    occurred_at: day('02', '09:00:00.000'),
    ordered_at: day('02', '09:00:00.000'),
    qty_ordered: qty,
    requested_date: committed,
    committed_date: committed,
    ...opts,
  };
}

export function purchaseLine(id: string, qty: number, planned: string, opts: Partial<PurchaseOrderLineEvent> = {}): PurchaseOrderLineEvent {
  const version = opts.version ?? 1;
  return {
    ...EXAMPLES.purchase_order_line,
    record_id: id,
    line_id: id,
    order_id: `P-${id}`,
    version,
    event_id: eventId('odoo-prod', 'purchase_order_line', id, version),
    occurred_at: day('01', '09:00:00.000'),
    ordered_at: day('01', '09:00:00.000'),
    qty_ordered: qty,
    planned_date: planned,
    original_planned_date: planned,
    ...opts,
  };
}

let moves = 0;
function move(qty: number, at: string, from: [string, StockMoveEvent['from_usage'], string | null], to: [string, StockMoveEvent['to_usage'], string | null], link: Partial<StockMoveEvent>, version = 1, id = `stock.move:${++moves}`): StockMoveEvent {
  return {
    ...EXAMPLES.stock_move,
    record_id: id,
    move_id: id,
    version,
    event_id: eventId('odoo-prod', 'stock_move', id, version),
    occurred_at: at,
    qty,
    from_location: from[0],
    from_usage: from[1],
    from_warehouse: from[2],
    to_location: to[0],
    to_usage: to[1],
    to_warehouse: to[2],
    sales_line_id: null,
    purchase_line_id: null,
    ...link,
  };
}

const STOCK = ['WH1/Stock', 'internal', 'WH1'] as [string, 'internal', string];
const CUSTOMERS = ['Partners/Customers', 'customer', null] as [string, 'customer', null];
const VENDORS = ['Partners/Vendors', 'supplier', null] as [string, 'supplier', null];

export const delivery = (line: string, qty: number, at: string, version = 1, id?: string) => move(qty, at, STOCK, CUSTOMERS, { sales_line_id: line }, version, id);
export const customerReturn = (line: string, qty: number, at: string) => move(qty, at, CUSTOMERS, STOCK, { sales_line_id: line });
export const receipt = (line: string, qty: number, at: string) => move(qty, at, VENDORS, STOCK, { purchase_line_id: line });
const ADJUSTMENT = ['Virtual/Inventory adjustment', 'inventory', null] as [string, 'inventory', null];
/** An inventory adjustment: +qty into WH1/Stock, −qty out of it. */
export const adjustment = (qty: number, at: string, unitCost: number, version = 1, id?: string) =>
  qty > 0 ? move(qty, at, ADJUSTMENT, STOCK, { unit_cost: unitCost }, version, id) : move(-qty, at, STOCK, ADJUSTMENT, { unit_cost: unitCost }, version, id);

/** Goods into WH1/Quality (a quarantine location with the `location` example as master data). */
export const quarantined = (qty: number, at: string) => move(qty, at, VENDORS, ['WH1/Quality', 'internal', 'WH1'], {});

export function reservation(id: string, qty: number, at: string, version = 1): ReservationEvent {
  return { ...EXAMPLES.reservation, record_id: id, reservation_id: id, version, event_id: eventId('odoo-prod', 'reservation', id, version), occurred_at: at, qty_reserved: qty };
}

export function product(sku: string, unitCost: number): ProductEvent {
  return { ...EXAMPLES.product, sku, unit_cost: unitCost };
}

export function billLine(id: string, purchaseLine: string | null, qty: number, unitPrice: number, at: string): VendorBillLineEvent {
  return { ...EXAMPLES.vendor_bill_line, record_id: id, line_id: id, bill_id: `BILL-${id}`, event_id: eventId('odoo-prod', 'vendor_bill_line', id, 1), purchase_line_id: purchaseLine, qty, unit_price: unitPrice, occurred_at: at };
}

export function count(id: string, counted: number, system: number, at: string, opts: Partial<InventoryCountEvent> = {}): InventoryCountEvent {
  const version = opts.version ?? 1;
  return { ...EXAMPLES.inventory_count, record_id: id, count_id: id, version, event_id: eventId('odoo-prod', 'inventory_count', id, version), occurred_at: at, counted_qty: counted, system_qty: system, ...opts };
}
export { day };

/**
 * Lines committed for Jan 10 and 12 (UTC noon), stream time Jan 20:
 * A 10 delivered 10 on the evening of the 10th (on time: by the end of the day)   → OTIF
 * B 10 delivered 6 on the 9th and 4 on the 11th (complete late)                    → not
 * C 5 delivered on the 8th, 2 returned on the 20th (not in full any more)          → not
 * D cancelled; E without committed date; F due the 30th, open (not judged yet)      → not counted
 * G 7 delivered 7 on the 12th, corrected to 6 by a later version of the move        → not
 * and a delivery for a line never seen (a data-quality exception, not counted).
 * Orders: O1 = A + B, O2 = C, O3 = G (+ D, E, F elsewhere).
 */
export function salesScenario(): ErpEvent[] {
  return [
    salesLine('A', 'O1', 10, day('10')),
    salesLine('B', 'O1', 10, day('10')),
    salesLine('C', 'O2', 5, day('10')),
    salesLine('D', 'O4', 4, day('10'), { state: 'cancelled' }),
    salesLine('E', 'O5', 3, null),
    salesLine('F', 'O6', 2, day('30'), { ordered_at: day('20'), occurred_at: day('20') }),
    salesLine('G', 'O3', 7, day('12')),
    delivery('A', 10, day('10', '18:00:00.000')),
    delivery('B', 6, day('09')),
    delivery('B', 4, day('11')),
    delivery('C', 5, day('08')),
    customerReturn('C', 2, day('20')),
    delivery('G', 7, day('12'), 1, 'stock.move:g'),
    delivery('G', 6, day('12'), 2, 'stock.move:g'),
    delivery('NEVER-SEEN', 3, day('09')),
  ];
}

/** Runs the events (in the order given) through the embedded pipeline, then `ask`s with a KPI query function and the store. */
export async function runScenario(
  events: ErpEvent[],
  ask: (kpi: (r: KpiRequest) => Promise<KpiRow[]>, store: ChdbStore) => Promise<void>,
  settings: Partial<Config> = {},
): Promise<void> {
  const dir = tempDir('kpi');
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  await withStore(join(dir, 'data'), async (store) => {
    const config = testConfig(settings);
    const summary = await runInputs(store, config, [path]);
    if (summary.dead_lettered) throw new Error(`scenario events were dead-lettered: ${summary.dead_lettered}`);
    await ask((r) => queryKpi(store, r, kpiSettings(config)), store);
  });
}

/** Rows as [period, dimension, numerator, denominator] for compact expectations. */
export const compact = (rows: KpiRow[]) => rows.map((r) => [r.period, r.dimension, r.numerator, r.denominator]);
