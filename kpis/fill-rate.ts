import type { KpiDefinition } from './kpi.js';
import { LINES_OF_ORDERS_IN_RANGE, SERVICE_LINES } from './otif.js';

const EDGE_CASES = [
  'Cancelled lines and lines with zero quantity are not counted.',
  'Only the first shipment counts (event time of the delivery moves; ties by move id); what follows later is a backorder, not fill.',
  'A line is counted once it has shipped; lines never shipped are backorders (see the backorder KPIs), not in these rates.',
  'Quantities are in the product unit of measure as sent by the source.',
];

export const FILL_RATE_LINE: KpiDefinition = {
  name: 'fill_rate_line',
  title: 'Line fill rate',
  definition: 'Share of shipped customer order lines whose first shipment carried the whole ordered quantity.',
  formula: 'lines complete at first shipment ÷ lines shipped',
  edgeCases: EDGE_CASES,
  periodBy: 'date of the first shipment',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', customer: 'customer' },
  units: `
    SELECT first_shipment_day AS period_day, company, warehouse, sku, customer,
           toFloat64(first_shipment_qty >= qty_ordered) AS num, 1.0 AS den
    FROM (${SERVICE_LINES}) WHERE first_shipment_day IS NOT NULL`,
};

export const FILL_RATE_UNIT: KpiDefinition = {
  name: 'fill_rate_unit',
  title: 'Unit fill rate',
  definition: 'Share of the ordered units of shipped customer order lines that left with the first shipment.',
  formula: 'Σ min(first shipment qty, ordered qty) ÷ Σ ordered qty, over lines shipped',
  edgeCases: EDGE_CASES,
  periodBy: 'date of the first shipment',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', customer: 'customer' },
  units: `
    SELECT first_shipment_day AS period_day, company, warehouse, sku, customer,
           least(first_shipment_qty, qty_ordered) AS num, qty_ordered AS den
    FROM (${SERVICE_LINES}) WHERE first_shipment_day IS NOT NULL`,
};

export const FILL_RATE_ORDER: KpiDefinition = {
  name: 'fill_rate_order',
  title: 'Order fill rate',
  definition: 'Share of shipped customer orders whose every line was complete at its first shipment.',
  formula: 'orders with every line complete at first shipment ÷ orders with a shipment',
  edgeCases: [...EDGE_CASES, 'A line of the order not shipped yet counts as not filled; the order is counted in the period of its first shipment.'],
  periodBy: 'date of the order’s first shipment',
  dimensions: { company: 'company', customer: 'customer' },
  units: `
    SELECT min(first_shipment_day) AS period_day, company, any(customer) AS customer,
           toFloat64(min(first_shipment_day IS NOT NULL AND first_shipment_qty >= qty_ordered)) AS num, 1.0 AS den
    FROM (${SERVICE_LINES})
    WHERE ${LINES_OF_ORDERS_IN_RANGE('first_shipment_day')}
    GROUP BY company, order_id
    HAVING countIf(first_shipment_day IS NOT NULL) > 0`,
};
