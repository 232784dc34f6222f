import { decimal, type KpiDefinition } from './kpi.js';
import { LATEST_MOVEMENTS } from './movements.js';

/**
 * Available stock per company × sku × warehouse at every instant it changed, in event time: done
 * moves at the warehouse's internal non-quarantine locations (each at its latest version) minus the
 * change of every reservation version. One row per instant (changes at the same instant summed), so
 * that an as-of join finds the quantity right after it. Sums are decimal (see `decimal`): a stock that
 * is exactly gone reads 0, not a float's 1e-13.
 */
const AVAILABLE_SERIES = `
  SELECT company, sku, warehouse, t, sum(delta) OVER (PARTITION BY company, sku, warehouse ORDER BY t ROWS UNBOUNDED PRECEDING) AS available
  FROM (
    SELECT company, sku, warehouse, t, sum(delta) AS delta
    FROM (
      SELECT company, sku, warehouse, occurred_at AS t, ${decimal('qty')} AS delta
      FROM (${LATEST_MOVEMENTS})
      WHERE usage = 'internal' AND (company, location) NOT IN (SELECT company, location FROM locations FINAL WHERE quarantine)
      UNION ALL
      SELECT company, sku, warehouse, occurred_at AS t,
             -${decimal('qty_reserved - lagInFrame(qty_reserved, 1, 0) OVER (PARTITION BY company, reservation_id ORDER BY version ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)')} AS delta
      FROM ledger_reservations FINAL
    )
    GROUP BY company, sku, warehouse, t
  )`;

/** Every order line with the quantity available in its warehouse the moment it was ordered (nothing ever: 0). */
const DEMAND = `
  SELECT l.company AS company, l.sku AS sku, l.warehouse AS warehouse, l.ordered_at AS ordered_at, l.qty_ordered AS qty, a.available AS available
  FROM (SELECT company, sku, warehouse, ordered_at, qty_ordered FROM sales_line_outcomes FINAL WHERE line_known AND qty_ordered > 0 AND ordered_at IS NOT NULL) AS l
  ASOF LEFT JOIN (${AVAILABLE_SERIES}) AS a
    ON a.company = l.company AND a.sku = l.sku AND a.warehouse = l.warehouse AND a.t <= l.ordered_at`;

const EDGE_CASES = [
  'Available = on hand at the warehouse’s internal locations that are not quarantine, minus reservations there, in event time (moves at their latest version; each reservation version replaces the previous).',
  'A SKU that never had stock in the warehouse is unavailable (0).',
  'Every order line counts as demand, including lines cancelled later (it was demand when ordered); lines never seen (moves only) do not.',
  'The line’s own reservation comes after its order and does not count against it.',
];

export const STOCKOUT_RATE: KpiDefinition = {
  name: 'stockout_rate',
  title: 'Stockout rate',
  definition: 'Share of SKU × warehouse × days with demand on which at least one order line was placed while nothing was available.',
  formula: 'SKU-warehouse-days with an order placed while available ≤ 0 ÷ SKU-warehouse-days with an order',
  edgeCases: EDGE_CASES,
  periodBy: 'day of the orders',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku' },
  units: `
    SELECT toDate(ordered_at) AS period_day, company, warehouse, sku, toFloat64(max(available <= 0)) AS num, 1.0 AS den
    FROM (${DEMAND})
    GROUP BY company, warehouse, sku, period_day`,
};

export const STOCKOUT_QTY: KpiDefinition = {
  name: 'stockout_qty',
  title: 'Quantity demanded while out of stock',
  definition: 'Share of the ordered quantity that was ordered while nothing was available: demand that is lost or backordered.',
  formula: 'Σ qty of order lines placed while available ≤ 0 ÷ Σ qty ordered',
  edgeCases: EDGE_CASES,
  periodBy: 'day of the order',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku' },
  units: `SELECT toDate(ordered_at) AS period_day, company, warehouse, sku, if(available <= 0, qty, 0) AS num, qty AS den FROM (${DEMAND})`,
};
