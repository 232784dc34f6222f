import type { KpiDefinition } from './kpi.js';

/** Purchase lines that count for vendor performance: known, not cancelled, with a quantity; latest fact each. */
export const SUPPLY_LINES = `
  SELECT *, ordered_day, planned_day, first_receipt_day FROM purchase_line_outcomes FINAL
  WHERE line_known AND state != 'cancelled' AND qty_ordered > 0`;

/** Judged once received in full or when the planned day is over in stream time. */
const JUDGED = `planned_day IS NOT NULL AND (planned_day < {stream_day:Date} OR received_qty >= qty_ordered)`;

const EDGE_CASES = [
  'Cancelled lines and lines with zero quantity are not counted.',
  'The planned date is the line’s latest (a reschedule the vendor announced moves it); the original planned date is kept in the facts.',
  'On time means received by the end of the planned day (UTC); partial receipts count with their own dates; returns to the vendor are netted.',
  'Received quantity above the ordered quantity does not raise the rate (capped per line).',
  'A line is judged once received in full or its planned day is over at the latest event time seen.',
  'Receipts for a purchase line never seen are data-quality exceptions (line_known = false), not counted here.',
];

export const SUPPLIER_OTIF: KpiDefinition = {
  name: 'supplier_otif',
  title: 'Supplier on-time rate (quantity)',
  definition: 'Share of ordered purchase quantity received by the planned date, like Odoo’s vendor on-time rate.',
  formula: 'Σ min(qty received by the end of the planned day, ordered qty) ÷ Σ ordered qty, over lines judged',
  edgeCases: EDGE_CASES,
  periodBy: 'planned date of the purchase line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', vendor: 'vendor' },
  units: `
    SELECT planned_day AS period_day, company, warehouse, sku, vendor,
           least(greatest(received_by_planned, 0), qty_ordered) AS num, qty_ordered AS den
    FROM (${SUPPLY_LINES}) WHERE ${JUDGED}`,
};

export const SUPPLIER_OTIF_LINE: KpiDefinition = {
  name: 'supplier_otif_line',
  title: 'Supplier OTIF (lines)',
  definition: 'Share of purchase lines received in full by their planned date.',
  formula: 'lines with the ordered quantity received by the end of the planned day ÷ lines judged',
  edgeCases: EDGE_CASES,
  periodBy: 'planned date of the purchase line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', vendor: 'vendor' },
  units: `
    SELECT planned_day AS period_day, company, warehouse, sku, vendor,
           toFloat64(received_by_planned >= qty_ordered AND received_qty >= qty_ordered) AS num, 1.0 AS den
    FROM (${SUPPLY_LINES}) WHERE ${JUDGED}`,
};
