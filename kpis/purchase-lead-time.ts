import { exactSum, type KpiDefinition } from './kpi.js';
import { SUPPLY_LINES } from './supplier-otif.js';

/** Days from the order to the first receipt (event time, fractional). */
const LEAD_DAYS = `(toUnixTimestamp64Milli(first_receipt_at) - toUnixTimestamp64Milli(ordered_at)) / 86400000`;

const EDGE_CASES = [
  'Measured to the first receipt of the line (when goods start to arrive); partial receipts after it do not change it.',
  'Lines not received yet are not counted; cancelled lines and lines with zero quantity neither.',
  'A receipt recorded before its order (a data-quality exception) gives a negative lead time and is counted as it is, so that it shows.',
  'Counted in the period of the first receipt.',
];

const UNITS = `
    SELECT first_receipt_day AS period_day, company, warehouse, sku, vendor, ${LEAD_DAYS} AS num, 1.0 AS den
    FROM (${SUPPLY_LINES}) WHERE first_receipt_at IS NOT NULL AND ordered_at IS NOT NULL`;

const DIMENSIONS = { company: 'company', warehouse: 'warehouse', sku: 'sku', vendor: 'vendor' };

export const PURCHASE_LEAD_TIME: KpiDefinition = {
  name: 'purchase_lead_time',
  title: 'Purchase lead time (mean days)',
  definition: 'Mean days from placing a purchase order line to its first receipt.',
  formula: 'Σ lead time in days ÷ lines received',
  edgeCases: EDGE_CASES,
  periodBy: 'date of the first receipt',
  dimensions: DIMENSIONS,
  units: UNITS,
};

export const PURCHASE_LEAD_TIME_P90: KpiDefinition = {
  name: 'purchase_lead_time_p90',
  title: 'Purchase lead time (90th percentile days)',
  definition: 'The lead time (order to first receipt) that 90% of received purchase lines did not exceed.',
  formula: 'the 90th percentile lead time (the value at position ⌊0.9 n⌋ of the n sorted lead times) as numerator and value ÷ lines received as denominator',
  edgeCases: EDGE_CASES,
  periodBy: 'date of the first receipt',
  dimensions: DIMENSIONS,
  units: UNITS,
  measure: { numerator: 'quantileExact(0.9)(num)', denominator: 'count()', value: 'n' },
};

export const PURCHASE_LEAD_TIME_CV: KpiDefinition = {
  name: 'purchase_lead_time_cv',
  title: 'Purchase lead time variability',
  definition: 'How much lead times vary: the coefficient of variation (standard deviation ÷ mean) of order-to-first-receipt days.',
  formula: 'population standard deviation of the lead times ÷ their mean',
  edgeCases: EDGE_CASES,
  periodBy: 'date of the first receipt',
  dimensions: DIMENSIONS,
  units: UNITS,
  // stddevPop over the lead times sorted (a few per period and dimension), not as they come: a
  // float aggregate depends on the order it adds in (see exactSum).
  measure: { numerator: `arrayReduce('stddevPop', arraySort(groupArray(num)))`, denominator: `${exactSum('num')} / count()` },
};
