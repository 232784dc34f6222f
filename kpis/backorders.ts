import type { KpiDefinition } from './kpi.js';
import { SERVICE_LINES } from './otif.js';

/**
 * A line is backordered when its committed day is over in stream time and less than the ordered
 * quantity has been delivered (net of returns). Age: whole days from the committed day to the
 * stream day, in buckets.
 */
const DUE = `committed_day IS NOT NULL AND committed_day < {stream_day:Date}`;
const OPEN = `delivered_qty < qty_ordered`;
const AGE = `multiIf(dateDiff('day', committed_day, {stream_day:Date}) <= 7, '1-7 days', dateDiff('day', committed_day, {stream_day:Date}) <= 30, '8-30 days', '31+ days')`;

const EDGE_CASES = [
  'A snapshot at stream time (the latest event time seen): a line counts as backordered while its committed day is over and it is not delivered in full; once delivered it leaves the backlog (its period keeps the line in the denominator).',
  'Cancelled lines and lines with zero quantity are not counted; lines without a committed date are not due, so never backordered.',
  'Returns are netted: a line delivered in full and then partly returned is open again.',
  'Age buckets (dimension `age`): days from the committed day to the stream day, 1–7, 8–30, 31+.',
];

export const BACKORDER_LINES: KpiDefinition = {
  name: 'backorder_lines',
  title: 'Open backorders (lines)',
  definition: 'Customer order lines past their committed date and not delivered in full: the open backorder count, and its share of the lines due.',
  formula: 'open backordered lines ÷ lines due',
  edgeCases: EDGE_CASES,
  periodBy: 'committed date of the line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', customer: 'customer', age: 'age' },
  units: `
    SELECT committed_day AS period_day, company, warehouse, sku, customer, ${AGE} AS age,
           toFloat64(${OPEN}) AS num, 1.0 AS den
    FROM (${SERVICE_LINES}) WHERE ${DUE}`,
};

export const BACKORDER_QTY: KpiDefinition = {
  name: 'backorder_qty',
  title: 'Open backorders (quantity)',
  definition: 'Quantity still owed on customer order lines past their committed date, and its share of the quantity due.',
  formula: 'Σ (ordered − delivered) over open backordered lines ÷ Σ ordered over lines due',
  edgeCases: EDGE_CASES,
  periodBy: 'committed date of the line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', customer: 'customer', age: 'age' },
  units: `
    SELECT committed_day AS period_day, company, warehouse, sku, customer, ${AGE} AS age,
           greatest(qty_ordered - delivered_qty, 0) AS num, qty_ordered AS den
    FROM (${SERVICE_LINES}) WHERE ${DUE}`,
};
