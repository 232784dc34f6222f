import type { KpiDefinition } from './kpi.js';
import { BILL_MATCH } from './three-way-match.js';

/**
 * Order lines: why a line's facts do not add up, or 'ok', is the `issue` column of the line facts,
 * which the engine computes as each fact is written (store/migrations/006_kpi_day_columns.sql), in
 * this order of precedence: a move for a line never seen; a delivery (receipt) before the order was
 * placed; more returned than delivered (received); a delivery (receipt) on a cancelled line.
 */
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
    SELECT ifNull(ordered_day, first_shipment_day) AS period_day, company, warehouse, 'sales' AS side, issue AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM sales_line_outcomes FINAL
    UNION ALL
    SELECT ifNull(ordered_day, first_receipt_day) AS period_day, company, warehouse, 'purchase' AS side, issue AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM purchase_line_outcomes FINAL
    UNION ALL
    SELECT toDate(billed_at) AS period_day, company, warehouse, 'bill' AS side,
           multiIf(kind = 'no purchase line', 'bill for an unknown purchase line', kind = 'quantity over received', 'bill for more than received', 'ok') AS reason,
           toFloat64(reason != 'ok') AS num, 1.0 AS den
    FROM (${BILL_MATCH})`,
};
