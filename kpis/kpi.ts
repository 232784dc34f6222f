/**
 * What a KPI is, in one shape: each definition (one file per KPI family in this folder) says in
 * words what it measures and gives the SQL that yields one row per counted unit (a line, an order)
 * with its period date, its dimensions and its numerator and denominator. `store/kpi-query.ts`
 * aggregates those rows by period and dimension; nothing else computes KPIs.
 */

export const GRAINS = ['day', 'week'] as const;
export type Grain = (typeof GRAINS)[number];

import type { Config } from '../config/config.js';

/** Settings the KPI definitions take (from the config). */
export interface KpiSettings {
  emergencyPurchaseDays: number;
  countToleranceUnits: number;
  countTolerancePercent: number;
  billPriceTolerancePercent: number;
}

export function kpiSettings(config: Config): KpiSettings {
  return {
    emergencyPurchaseDays: config.LEDGERLINE_EMERGENCY_PURCHASE_DAYS,
    countToleranceUnits: config.LEDGERLINE_COUNT_TOLERANCE_UNITS,
    countTolerancePercent: config.LEDGERLINE_COUNT_TOLERANCE_PERCENT,
    billPriceTolerancePercent: config.LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT,
  };
}

export interface KpiDefinition {
  /** CLI/API name, snake_case. */
  name: string;
  title: string;
  /** What it measures, in words, for the catalogue. */
  definition: string;
  /** numerator ÷ denominator, in words. */
  formula: string;
  /** How the edge cases are treated (cancelled lines, returns, zero quantities, missing dates…). */
  edgeCases: string[];
  /** The date a unit is counted in (its period), in words. */
  periodBy: string;
  /** Dimensions by name: the SQL expression over `units` that gives the value. */
  dimensions: Record<string, string>;
  /**
   * SQL yielding one row per counted unit with: `period_day` (Date, the UTC day the unit counts in),
   * the columns the dimension expressions use, `num` and `den` (Float64). It may use
   * `{stream_day:Date}`: the day of the latest event time the pipeline has seen (units due that day
   * or later are not judged yet); the settings (`KpiSettings`): `{emergency_days:Float64}`,
   * `{tolerance_units:Float64}`, `{tolerance_percent:Float64}`, `{price_tolerance_percent:Float64}`;
   * and the requested days, `{from_day:Date}` (inclusive), `{to_day:Date}` (exclusive) and
   * `{ranged:Bool}` (whether a range was asked for). Units outside the range are dropped by the
   * query anyway; a definition uses the range only to skip work early (an order-level KPI reads
   * only the orders with a line in range).
   */
  units: string;
  /**
   * How the units of a period × dimension add up, as aggregate SQL over `num` and `den`; default:
   * numerator `exactSum('num')`, denominator `exactSum('den')`, value numerator ÷ denominator.
   * `value` may name the aggregates as `n` and `d`.
   */
  measure?: { numerator: string; denominator: string; value?: string };
}

/**
 * Stream time when the pipeline has not recorded it (`STREAM_TIME` checkpoint; a store filled
 * otherwise): the latest event time in the outcome facts.
 */
const latest = (table: string, columns: string[]) =>
  `(SELECT ifNull(greatest(${columns.map((c) => `ifNull(max(${c}), toDateTime64(0, 3, 'UTC'))`).join(', ')}), toDateTime64(0, 3, 'UTC')) FROM ${table})`;
export const STREAM_TIME_SQL = `SELECT greatest(
    ${latest('sales_line_outcomes', ['ordered_at', 'first_shipment_at', 'completed_at'])},
    ${latest('purchase_line_outcomes', ['ordered_at', 'first_receipt_at', 'completed_at'])}) AS stream_time, toString(toDate(stream_time)) AS stream_day`;

/**
 * `expr` as an exact decimal (9 places), for sums in KPI SQL. A Float64 sum depends on the order the
 * engine adds in (which differs between two runs that wrote the same rows into other parts, e.g.
 * after a restart), and that last-bit noise shows after rounding, or flips a comparison with 0.
 * Rounded once per value and summed as decimals, a sum is exact in any order.
 */
export function decimal(expr: string): string {
  return `toDecimal128(${expr}, 9)`;
}

/** Σ expr, exactly (see `decimal`), as Float64. */
export function exactSum(expr: string): string {
  return `toFloat64(sum(${decimal(expr)}))`;
}
