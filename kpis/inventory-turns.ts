import { decimal, exactSum, type KpiDefinition } from './kpi.js';
import { LATEST_MOVEMENTS } from './movements.js';

/**
 * One row per company × sku × warehouse × day, from the first day it had stock, sales or demand to
 * the stream day, in event time: on hand at the end of the day (internal locations, quarantine
 * included, transit not), its value at the product's unit cost, cost of goods shipped that day
 * (deliveries to customers at the move's unit cost, returns netted) and the quantity ordered that day.
 * Sums are decimal (see `decimal`): the same in any order.
 */
const DAILY_INVENTORY = `
  WITH
    moves AS (${LATEST_MOVEMENTS}),
    changes AS (
      SELECT company, sku, warehouse, toDate(occurred_at) AS d,
             sumIf(${decimal('qty')}, usage = 'internal') AS stock_delta, sumIf(${decimal('-qty * unit_cost')}, counterpart_usage = 'customer') AS cogs,
             ${decimal('0')} AS demand
      FROM moves GROUP BY company, sku, warehouse, d
      UNION ALL
      SELECT company, sku, warehouse, toDate(ordered_at) AS d, ${decimal('0')}, ${decimal('0')}, ${decimal('qty_ordered')}
      FROM sales_line_outcomes FINAL WHERE line_known AND ordered_at IS NOT NULL
    ),
    daily AS (
      SELECT company, sku, warehouse, d, sum(stock_delta) AS stock_delta, sum(cogs) AS cogs, sum(demand) AS demand
      FROM changes GROUP BY company, sku, warehouse, d
    ),
    days AS (
      SELECT company, sku, warehouse, toDate(arrayJoin(range(toUInt32(min(d)), toUInt32(greatest(max(d), {stream_day:Date})) + 1))) AS d
      FROM daily GROUP BY company, sku, warehouse
    )
  SELECT days.company AS company, days.sku AS sku, days.warehouse AS warehouse, days.d AS d,
         sum(daily.stock_delta) OVER (PARTITION BY days.company, days.sku, days.warehouse ORDER BY days.d ROWS UNBOUNDED PRECEDING) AS on_hand_qty,
         toFloat64(on_hand_qty) * ifNull(p.unit_cost, 0) AS on_hand_value, daily.cogs AS cogs, daily.demand AS demand
  FROM days
  LEFT JOIN daily ON daily.company = days.company AND daily.sku = days.sku AND daily.warehouse = days.warehouse AND daily.d = days.d
  LEFT JOIN (SELECT company, sku, unit_cost FROM products FINAL) AS p ON p.company = days.company AND p.sku = days.sku
  SETTINGS join_use_nulls = 0`;

/** Days in the period × dimension (each unit is one day of one sku-warehouse). */
const DAYS = 'uniqExact(period_day)';

const EDGE_CASES = [
  'On hand is the ledger’s, in event time, at the end of each day (UTC): internal locations, quarantine included, transit not.',
  'Inventory is valued at the product’s unit cost from master data (0 when the product is unknown); goods shipped at the unit cost on the delivery move; returns from customers are netted.',
  'A SKU-warehouse counts from the first day it had stock, a shipment or an order, through the latest event day.',
  'Averages are over the days of the period that have data.',
];

export const INVENTORY_TURNS: KpiDefinition = {
  name: 'inventory_turns',
  title: 'Inventory turns (annualized)',
  definition: 'How many times a year the inventory is sold at the period’s pace: cost of goods shipped, annualized, over the average inventory value.',
  formula: 'Σ cost of goods shipped × 365 ÷ days (annualized COGS) ÷ (Σ daily inventory value ÷ days) (average inventory value)',
  edgeCases: EDGE_CASES,
  periodBy: 'day of the inventory and of the shipments',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku' },
  units: `SELECT d AS period_day, company, warehouse, sku, cogs AS num, on_hand_value AS den FROM (${DAILY_INVENTORY})`,
  measure: { numerator: `${exactSum('num')} * 365 / ${DAYS}`, denominator: `${exactSum('den')} / ${DAYS}` },
};

export const DAYS_OF_COVER: KpiDefinition = {
  name: 'days_of_cover',
  title: 'Days of cover',
  definition: 'How many days the stock on hand lasts at the period’s demand: average on hand over average daily quantity ordered.',
  formula: '(Σ daily on hand ÷ days) ÷ (Σ quantity ordered ÷ days)',
  edgeCases: [...EDGE_CASES, 'No demand in the period: the value is null (cover without end).'],
  periodBy: 'day of the inventory and of the orders',
  dimensions: { company: 'company', warehouse: 'warehouse', sku: 'sku' },
  units: `SELECT d AS period_day, company, warehouse, sku, on_hand_qty AS num, demand AS den FROM (${DAILY_INVENTORY})`,
  measure: { numerator: `${exactSum('num')} / ${DAYS}`, denominator: `${exactSum('den')} / ${DAYS}` },
};
