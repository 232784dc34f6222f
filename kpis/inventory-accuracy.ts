import type { KpiDefinition } from './kpi.js';
import { LATEST_MOVEMENTS } from './movements.js';

/** Each count at its highest version, with the product's unit cost (0 when the product is unknown). */
const COUNTS = `
  SELECT c.*, ifNull(p.unit_cost, 0) AS unit_cost, abs(counted_qty - system_qty) AS deviation
  FROM count_outcomes AS c FINAL
  LEFT JOIN (SELECT company, sku, unit_cost FROM products FINAL) AS p ON p.company = c.company AND p.sku = c.sku`;

/** Inventory adjustments: the ledger's movements to or from an inventory-usage location, latest version each. */
const ADJUSTMENTS = `
  SELECT company, sku, warehouse, location, qty, unit_cost, occurred_at
  FROM (${LATEST_MOVEMENTS})
  WHERE counterpart_usage = 'inventory'`;

const WITHIN = `deviation <= greatest({tolerance_units:Float64}, {tolerance_percent:Float64} / 100 * abs(system_qty))`;

const COUNT_EDGE_CASES = [
  'Each count at its highest version: a corrected count replaces the first.',
  'The system quantity is the one the ERP recorded with the count (Odoo stock.quant quantity), not the ledger’s.',
  'Quantities are in the product unit of measure; values use the product’s unit cost from master data (0 when the product is unknown).',
  'A count of a position the system thought empty (system 0) is within tolerance only if the counted quantity is within the unit tolerance.',
];

const COUNT_DIMENSIONS = { company: 'company', warehouse: 'warehouse', sku: 'sku', location: 'location', user: 'user' };

export const INVENTORY_ACCURACY: KpiDefinition = {
  name: 'inventory_accuracy',
  title: 'Inventory record accuracy',
  definition:
    'Share of counted positions whose system quantity was within tolerance of the physical count (LEDGERLINE_COUNT_TOLERANCE_UNITS or _PERCENT of the system quantity; default: exact).',
  formula: 'counts within tolerance ÷ counts',
  edgeCases: COUNT_EDGE_CASES,
  periodBy: 'date of the count',
  dimensions: COUNT_DIMENSIONS,
  units: `SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, user, toFloat64(${WITHIN}) AS num, 1.0 AS den FROM (${COUNTS})`,
};

export const COUNT_DEVIATION: KpiDefinition = {
  name: 'count_deviation',
  title: 'Count deviation (units)',
  definition: 'Absolute difference between counted and system quantities, relative to the system quantities counted.',
  formula: 'Σ |counted − system| ÷ Σ |system|',
  edgeCases: COUNT_EDGE_CASES,
  periodBy: 'date of the count',
  dimensions: COUNT_DIMENSIONS,
  units: `SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, user, deviation AS num, abs(system_qty) AS den FROM (${COUNTS})`,
};

export const COUNT_VALUE_DEVIATION: KpiDefinition = {
  name: 'count_value_deviation',
  title: 'Count deviation (value)',
  definition: 'Value of the absolute count differences, at unit cost, relative to the value of the system quantities counted.',
  formula: 'Σ |counted − system| × unit cost ÷ Σ |system| × unit cost',
  edgeCases: COUNT_EDGE_CASES,
  periodBy: 'date of the count',
  dimensions: COUNT_DIMENSIONS,
  units: `SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, user, deviation * unit_cost AS num, abs(system_qty) * unit_cost AS den FROM (${COUNTS})`,
};

const ADJUSTMENT_EDGE_CASES = [
  'An adjustment is a done move between a stock location and an inventory-usage location (Odoo’s Virtual/Inventory adjustment), whatever caused it: a count, a correction, the opening stock.',
  'Each move at its latest version; a move’s value is |qty| × the unit cost on the move.',
];

export const ADJUSTMENT_FREQUENCY: KpiDefinition = {
  name: 'adjustment_frequency',
  title: 'Adjustment frequency',
  definition: 'Inventory adjustments per count: how often stock is corrected by hand relative to how often it is counted.',
  formula: 'adjustment moves ÷ counts (both in the period)',
  edgeCases: [...ADJUSTMENT_EDGE_CASES, 'Adjustments without any count in the period give a denominator of 0 (value null) but still show in the numerator.'],
  periodBy: 'date of the adjustment or count',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', location: 'location' },
  units: `
    SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, 1.0 AS num, 0.0 AS den FROM (${ADJUSTMENTS})
    UNION ALL
    SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, 0.0 AS num, 1.0 AS den FROM (${COUNTS})`,
};

export const ADJUSTMENT_VALUE: KpiDefinition = {
  name: 'adjustment_value',
  title: 'Adjustment value',
  definition: 'Value of inventory adjustments (absolute, at the unit cost on the move), in total and per adjustment.',
  formula: 'Σ |qty| × unit cost ÷ adjustment moves',
  edgeCases: ADJUSTMENT_EDGE_CASES,
  periodBy: 'date of the adjustment',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku', location: 'location' },
  units: `SELECT toDate(occurred_at) AS period_day, company, warehouse, sku, location, abs(qty) * unit_cost AS num, 1.0 AS den FROM (${ADJUSTMENTS})`,
};
