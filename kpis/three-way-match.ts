import type { KpiDefinition } from './kpi.js';

/**
 * Every bill line (highest version) matched against its purchase line (latest fact) and what was
 * received for it, with the first exception found: no purchase line, a price other than the
 * order's, more billed than ordered, more billed than received (all bill lines of the purchase
 * line together), or 'ok'.
 */
export const BILL_MATCH = `
  SELECT b.*, b.occurred_at AS billed_at,
         sum(b.qty) OVER (PARTITION BY b.company, b.purchase_line_id) AS billed_for_line,
         multiIf(
           b.purchase_line_id IS NULL OR NOT ifNull(p.line_known, false), 'no purchase line',
           abs(b.unit_price - p.unit_price) > greatest(1e-9, {price_tolerance_percent:Float64} / 100 * p.unit_price), 'price',
           billed_for_line > p.qty_ordered + 1e-9, 'quantity over ordered',
           billed_for_line > p.received_qty + 1e-9, 'quantity over received',
           'ok') AS kind
  FROM (SELECT * FROM bill_line_outcomes FINAL) AS b
  LEFT JOIN (
    -- Only the purchase lines billed: the join keeps its right side in memory.
    SELECT company, line_id, line_known, unit_price, qty_ordered, received_qty FROM purchase_line_outcomes FINAL
    WHERE (company, line_id) IN (SELECT company, purchase_line_id FROM bill_line_outcomes)) AS p
    ON p.company = b.company AND p.line_id = b.purchase_line_id`;

export const THREE_WAY_MATCH: KpiDefinition = {
  name: 'three_way_match_exceptions',
  title: 'Three-way match exception rate',
  definition:
    'Share of vendor bill lines that do not match their purchase line and its receipts; by `kind`: no purchase line, price (beyond LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT), quantity over ordered, quantity over received.',
  formula: 'bill lines with an exception ÷ bill lines',
  edgeCases: [
    'A bill line counts under the first exception found, in the order listed.',
    'Quantities are compared for all bill lines of a purchase line together (a second bill for the rest of a partial delivery is fine; a duplicate bill is not).',
    'Received means received so far (at the latest event time seen): a bill ahead of its goods is an exception until they arrive.',
    'Prices are compared per unit, in the company currency; the default tolerance is none (exactly the order price).',
    'A bill line without a purchase line, or for one never seen, is a "no purchase line" exception (and a data-quality exception).',
  ],
  periodBy: 'date of the bill',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', vendor: 'vendor', kind: 'kind' },
  units: `SELECT toDate(billed_at) AS period_day, company, warehouse, sku, vendor, kind, toFloat64(kind != 'ok') AS num, 1.0 AS den FROM (${BILL_MATCH})`,
};
