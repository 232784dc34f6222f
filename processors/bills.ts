import { ProjectionProcessor } from './projection.js';

/**
 * Vendor bills: one fact per bill line (`bill_line_outcomes`, highest version wins). The three-way
 * match (bill against purchase line against receipts) is a query over these facts and the purchase
 * line outcomes: `kpis/three-way-match.ts`.
 */
export function billProcessor(): ProjectionProcessor<'vendor_bill_line'> {
  return new ProjectionProcessor('bills', 'vendor_bill_line', 'bill_line_outcomes', (e, offset) => ({
    company: e.company,
    line_id: e.line_id,
    bill_id: e.bill_id,
    purchase_line_id: e.purchase_line_id,
    vendor: e.vendor,
    sku: e.sku,
    warehouse: e.warehouse,
    qty: e.qty,
    unit_price: e.unit_price,
    occurred_at: e.occurred_at,
    bill_version: e.version,
    log_offset: offset,
  }));
}
