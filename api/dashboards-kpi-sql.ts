/**
 * The KPI source query of the dashboards, written at each build from the KPI definitions (kpis/):
 * the dashboards never restate a KPI formula. It is the aggregation of store/kpi-query.ts (same
 * units, dimensions, measures and exact sums) for a fixed set of KPIs and dimensions by week, as
 * one query with the definition's parameters written in as literals — Evidence source files are
 * plain SQL. dashboards-kpi-sql.test.ts checks it gives queryKpi's rows.
 */
import { KPIS } from '../kpis/catalogue.js';
import { exactSum, STREAM_TIME_SQL, type KpiSettings } from '../kpis/kpi.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import { sqlString } from '../store/sql.js';
import type { Store } from '../store/store.js';

/** KPI → the dimensions the pages show it by (all by week). */
export const DASHBOARD_KPIS: Readonly<Record<string, readonly string[]>> = {
  otif_line: ['company', 'warehouse'],
  fill_rate_line: ['company', 'warehouse'],
  inventory_accuracy: ['company', 'warehouse'],
  stockout_rate: ['company', 'warehouse'],
  inventory_turns: ['company', 'warehouse'],
  supplier_otif: ['company', 'vendor'],
  purchase_lead_time: ['company', 'vendor'],
  three_way_match_exceptions: ['company', 'kind'],
  adjustment_value: ['company', 'warehouse'],
};

/** The parameters a definition may use, as queryKpi binds them for an unranged request. */
export function kpiParams(streamDay: string, settings: KpiSettings): Record<string, unknown> {
  return {
    stream_day: streamDay,
    emergency_days: settings.emergencyPurchaseDays,
    tolerance_units: settings.countToleranceUnits,
    tolerance_percent: settings.countTolerancePercent,
    price_tolerance_percent: settings.billPriceTolerancePercent,
    from_day: '1970-01-01',
    to_day: '2149-06-06',
    ranged: false,
  };
}

/** `{name:Type}` placeholders replaced by typed literals. */
export function inlineParams(sql: string, params: Record<string, unknown>): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):([^}]+)\}/g, (whole, name: string, type: string) => {
    if (!(name in params)) throw new Error(`KPI SQL uses {${name}:${type}}, which the dashboards do not provide: add it to kpiParams`);
    const v = params[name];
    const literal = typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? 'true' : 'false') : sqlString(String(v));
    return `CAST(${literal} AS ${type})`;
  });
}

/** One KPI by one dimension and week: the columns kpi, dim, period, dimension, numerator, denominator, value. */
function kpiSelect(name: string, by: string): string {
  const kpi = KPIS.get(name);
  if (!kpi) throw new Error(`the dashboards use KPI ${name}, which kpis/ no longer defines: update DASHBOARD_KPIS`);
  const dimension = kpi.dimensions[by];
  if (dimension === undefined) throw new Error(`KPI ${name} has no dimension ${by}: update DASHBOARD_KPIS`);
  return `SELECT ${sqlString(name)} AS kpi, ${sqlString(by)} AS dim, p AS period, toString(d_) AS dimension,
       round(n, 6) AS numerator, round(d, 6) AS denominator, round(v, 6) AS value
FROM (
  SELECT toMonday(period_day) AS p, ${dimension} AS d_,
         ${kpi.measure?.numerator ?? exactSum('num')} AS n, ${kpi.measure?.denominator ?? exactSum('den')} AS d,
         ${kpi.measure?.value ?? 'if(d = 0, NULL, n / d)'} AS v
  FROM (${kpi.units})
  GROUP BY p, d_)`;
}

/** The KPI source query for a store whose stream has reached `streamDay`. */
export function dashboardKpiSql(streamDay: string, settings: KpiSettings): string {
  const parts = Object.entries(DASHBOARD_KPIS).flatMap(([name, dims]) => dims.map((by) => kpiSelect(name, by)));
  return `-- Written by \`ledgerline dashboards build\` from kpis/ (api/dashboards-kpi-sql.ts); edits are overwritten.\n${inlineParams(parts.join('\nUNION ALL\n'), kpiParams(streamDay, settings))}\nORDER BY kpi, dim, period, dimension\n`;
}

/** The day of the stream's latest event, as queryKpi reads it. */
export async function streamDay(store: Store): Promise<string> {
  const recorded = await streamTime(new Checkpoints(store));
  if (recorded !== undefined) return recorded.slice(0, 10);
  const [facts] = await store.query<{ stream_day: string }>(STREAM_TIME_SQL);
  return facts?.stream_day ?? '1970-01-01';
}
