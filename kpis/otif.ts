import type { KpiDefinition } from './kpi.js';

/**
 * Sales lines that count for customer service: known lines, not cancelled, with a quantity. The
 * latest fact of each line (FINAL: the highest log offset), with its days (store migration 006).
 */
export const SERVICE_LINES = `
  SELECT *, ordered_day, committed_day, first_shipment_day FROM sales_line_outcomes FINAL
  WHERE line_known AND state != 'cancelled' AND qty_ordered > 0`;

/**
 * Order-level KPIs count an order in the period of one of its lines' days (the latest committed
 * day, the first shipment day): such an order has a line whose `day` is in the requested range, so
 * only the lines of those orders need grouping (a month of orders instead of all of them). They are
 * selected by line id, the table's key, which the engine can filter before reading the other
 * columns even with FINAL; `order_key` is a hash of the order id (store migration 006), a superset
 * that is cheaper to match than the ids. All lines when no range is asked for.
 */
export const LINES_OF_ORDERS_IN_RANGE = (day: string) => `(NOT {ranged:Bool} OR line_id IN (
    SELECT line_id FROM sales_line_outcomes WHERE order_key IN (
      SELECT order_key FROM sales_line_outcomes
      WHERE {ranged:Bool} AND ${day} >= {from_day:Date} AND ${day} < {to_day:Date})))`;

/**
 * A line is judged once it is complete or its committed day is over in stream time; it is OTIF
 * when the quantity delivered by the end of the committed day reached the ordered quantity and
 * returns since have not taken the net delivered quantity below it.
 */
const LINE_OTIF = `delivered_by_commit >= qty_ordered AND delivered_qty >= qty_ordered`;
const JUDGED = `committed_day IS NOT NULL AND (committed_day < {stream_day:Date} OR delivered_qty >= qty_ordered)`;

const EDGE_CASES = [
  'Cancelled lines and lines with zero quantity are not counted.',
  'Lines without a committed date are not counted (no promise to keep); the requested date is not used in its place.',
  'On time means by the end of the committed day (UTC); a line delivered early is on time.',
  'Returns are netted: a line delivered in full on time and then partly returned is not in full.',
  'A line is judged once it is delivered in full or its committed day is over at the latest event time seen; until then it is in neither numerator nor denominator.',
  'Quantities are in the product unit of measure as sent by the source (lines and moves of one product share it).',
  'Deliveries for an order line never seen are not counted here; they are data-quality exceptions (line_known = false).',
];

export const OTIF_LINE: KpiDefinition = {
  name: 'otif_line',
  title: 'Customer OTIF (lines)',
  definition: 'Share of customer order lines delivered in full by their committed date.',
  formula: 'lines delivered in full by the end of the committed day ÷ lines judged',
  edgeCases: EDGE_CASES,
  periodBy: 'committed date of the line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', customer: 'customer' },
  units: `
    SELECT committed_day AS period_day, company, warehouse, sku, customer,
           toFloat64(${LINE_OTIF}) AS num, 1.0 AS den
    FROM (${SERVICE_LINES}) WHERE ${JUDGED}`,
};

export const OTIF_ORDER: KpiDefinition = {
  name: 'otif_order',
  title: 'Customer OTIF (orders)',
  definition: 'Share of customer orders whose every line was delivered in full by its committed date.',
  formula: 'orders with all lines OTIF ÷ orders judged',
  edgeCases: [
    ...EDGE_CASES,
    'An order is judged once all its counted lines are judged; it is counted in the period of its latest committed date.',
  ],
  periodBy: 'latest committed date among the order lines',
  dimensions: { company: 'company', customer: 'customer' },
  units: `
    SELECT max(committed_day) AS period_day, company, any(customer) AS customer,
           toFloat64(min(${LINE_OTIF})) AS num, 1.0 AS den
    FROM (${SERVICE_LINES})
    WHERE ${LINES_OF_ORDERS_IN_RANGE('committed_day')}
    GROUP BY company, order_id
    HAVING min(${JUDGED})`,
};
