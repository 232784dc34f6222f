import type { KpiDefinition } from './kpi.js';
import { SUPPLY_LINES } from './supplier-otif.js';

export const EMERGENCY_PURCHASE_RATIO: KpiDefinition = {
  name: 'emergency_purchase_ratio',
  title: 'Emergency purchase ratio',
  definition:
    'Share of purchase order lines placed inside the lead time: planned to arrive less than LEDGERLINE_EMERGENCY_PURCHASE_DAYS days (default 3) after they were ordered.',
  formula: 'lines with planned date − order date < the setting ÷ lines ordered',
  edgeCases: [
    'The planned date is the line’s original one when it has it (a later reschedule by the vendor does not make an order urgent), else the current one.',
    'Cancelled lines and lines with zero quantity are not counted.',
    'Counted in the period of the order date.',
  ],
  periodBy: 'order date of the purchase line',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', vendor: 'vendor' },
  units: `
    SELECT ordered_day AS period_day, company, warehouse, sku, vendor,
           toFloat64((toUnixTimestamp64Milli(ifNull(original_planned_date, planned_date)) - toUnixTimestamp64Milli(ordered_at)) < {emergency_days:Float64} * 86400000) AS num,
           1.0 AS den
    FROM (${SUPPLY_LINES}) WHERE ordered_at IS NOT NULL AND planned_date IS NOT NULL`,
};
