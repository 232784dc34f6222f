import type { KpiDefinition } from './kpi.js';
import { BILL_MATCH } from './three-way-match.js';

/**
 * Why an order line's facts do not add up, or 'ok'. Checked on the latest fact of every line, so a
 * late line event that arrives clears the exception its moves raised.
 */
const SALES_REASON = `multiIf(
    NOT line_known, 'delivery for an unknown sales order line',
    first_shipment_at < ordered_at, 'delivery before the order was placed',
    delivered_qty < 0, 'more returned than delivered',
    state = 'cancelled' AND delivered_qty > 0, 'delivery on a cancelled line',
    'ok')`;
const PURCHASE_REASON = `multiIf(
    NOT line_known, 'receipt for an unknown purchase order line',
    first_receipt_at < ordered_at, 'receipt before the purchase order was placed',
    received_qty < 0, 'more returned to the vendor than received',
    state = 'cancelled' AND received_qty > 0, 'receipt on a cancelled line',
    'ok')`;

export const DATA_QUALITY: KpiDefinition = {
  name: 'data_quality',
  title: 'Data-quality exception rate',
  definition:
    'Share of order and bill lines whose events do not add up: moves for a line never seen, a delivery or receipt before its order, more returned than moved, moves on a cancelled line, a bill for a purchase line never seen or for more than was received. Broken down by reason, each exception is counted, none is dropped.',
  formula: 'lines with an exception ÷ lines',
  edgeCases: [
    'The reason is taken from the latest fact of each line: a line event arriving late clears the "unknown line" exception of its moves.',
    'A line with several problems is counted once, under the first reason in the order listed.',
    'Bills: only the data-quality side of the three-way match is counted here (unknown purchase line, more billed than received); price and over-ordered quantities are business exceptions, in three_way_match_exceptions.',
  ],
  periodBy: 'order date of the line, or its first move when the line is unknown; bill date for bills',
  dimensions: { company: 'company', warehouse: 'warehouse', reason: 'reason', side: 'side' },
  units: `
    SELECT ifNull(ordered_at, first_shipment_at) AS period_at, company, warehouse, 'sales' AS side, ${SALES_REASON} AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM sales_line_outcomes FINAL
    UNION ALL
    SELECT ifNull(ordered_at, first_receipt_at) AS period_at, company, warehouse, 'purchase' AS side, ${PURCHASE_REASON} AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM purchase_line_outcomes FINAL
    UNION ALL
    SELECT billed_at AS period_at, company, warehouse, 'bill' AS side,
           multiIf(kind = 'no purchase line', 'bill for an unknown purchase line', kind = 'quantity over received', 'bill for more than received', 'ok') AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM (${BILL_MATCH})`,
};
