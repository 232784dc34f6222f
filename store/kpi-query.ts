import { KPIS } from '../kpis/catalogue.js';
import { exactSum, GRAINS, STREAM_TIME_SQL, type Grain, type KpiDefinition, type KpiSettings } from '../kpis/kpi.js';
import { Checkpoints, streamTime } from './checkpoints.js';
import type { Store } from './store.js';

export interface KpiRequest {
  name: string;
  /** A dimension of the KPI; default company. */
  by?: string;
  grain?: Grain;
  /**
   * ISO-8601 instants: the periods of every UTC day that overlaps [from, to) (the KPIs count by
   * day, so a time of day only picks the day).
   */
  from?: string;
  to?: string;
  /** Only these companies (API keys limited to some). */
  companies?: readonly string[];
}

/** One period × dimension value of a KPI. `value` is null when nothing was counted (denominator 0). */
export interface KpiRow {
  period: string;
  dimension: string;
  numerator: number;
  denominator: number;
  value: number | null;
}

/** A request that names an unknown KPI, dimension or grain: the caller's mistake, with the choices. */
export class KpiRequestError extends Error {}

export function kpiDefinition(name: string): KpiDefinition {
  const kpi = KPIS.get(name);
  if (!kpi) throw new KpiRequestError(`unknown KPI "${name}" (known: ${[...KPIS.keys()].join(', ')})`);
  return kpi;
}

/** A KPI by period and dimension, aggregated in the store from the definition's units. */
export async function queryKpi(store: Store, request: KpiRequest, settings: KpiSettings): Promise<KpiRow[]> {
  const kpi = kpiDefinition(request.name);
  const by = request.by ?? 'company';
  const dimension = kpi.dimensions[by];
  if (dimension === undefined) throw new KpiRequestError(`${kpi.name} cannot be broken down by "${by}" (by: ${Object.keys(kpi.dimensions).join(', ')})`);
  const grain = request.grain ?? 'day';
  if (!GRAINS.includes(grain)) throw new KpiRequestError(`grain "${grain}": expected ${GRAINS.join(' or ')}`);

  // The pipeline records the latest event time it handled (UTC ISO); a store written otherwise has the facts' own.
  const recorded = await streamTime(new Checkpoints(store));
  const [facts] = recorded === undefined ? await store.query<{ stream_day: string }>(STREAM_TIME_SQL) : [];
  const params: Record<string, unknown> = {
    stream_day: recorded?.slice(0, 10) ?? facts?.stream_day ?? '1970-01-01',
    emergency_days: settings.emergencyPurchaseDays,
    tolerance_units: settings.countToleranceUnits,
    tolerance_percent: settings.countTolerancePercent,
    price_tolerance_percent: settings.billPriceTolerancePercent,
  };
  const range = dayRange(request.from, request.to);
  Object.assign(params, range);
  const where = range.ranged ? ['period_day >= {from_day:Date}', 'period_day < {to_day:Date}'] : [];
  if (request.companies) {
    where.push('company IN {companies:Array(String)}');
    params.companies = request.companies;
  }
  const period = grain === 'week' ? 'toMonday(period_day)' : 'period_day';
  return store.query<KpiRow>(
    // Grouped by the typed period and dimension, turned into text after: hashing millions of
    // strings would cost more than the rest of the query. Rounded only at the end: the value comes
    // from the exact sums, not from their rounded forms.
    `SELECT toString(p) AS period, toString(dim) AS dimension, round(n, 6) AS numerator, round(d, 6) AS denominator, round(v, 6) AS value
     FROM (
       SELECT ${period} AS p, ${dimension} AS dim,
              ${kpi.measure?.numerator ?? exactSum('num')} AS n, ${kpi.measure?.denominator ?? exactSum('den')} AS d,
              ${kpi.measure?.value ?? 'if(d = 0, NULL, n / d)'} AS v
       FROM (${kpi.units})
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY p, dim)
     ORDER BY period, dimension
     SETTINGS do_not_merge_across_partitions_select_final = 1`,
    params,
  );
}

const DAY_MS = 86_400_000;
/** The engine's Date range: no bound given means all of it. */
const FIRST_DAY = '1970-01-01';
const END_DAY = '2149-06-06';

/** The UTC days overlapping [from, to): the first day, and the day after the last (exclusive). */
function dayRange(from: string | undefined, to: string | undefined): { from_day: string; to_day: string; ranged: boolean } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const instant = (name: string, value: string) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new KpiRequestError(`${name} must be an ISO-8601 instant with a zone (got "${value}")`);
    return ms;
  };
  const fromMs = from === undefined ? undefined : instant('from', from);
  const toMs = to === undefined ? undefined : instant('to', to);
  const fromDay = fromMs === undefined ? FIRST_DAY : day(Math.floor(fromMs / DAY_MS) * DAY_MS);
  // An empty range (to at or before from) overlaps no day.
  const empty = fromMs !== undefined && toMs !== undefined && toMs <= fromMs;
  return {
    from_day: fromDay,
    to_day: toMs === undefined ? END_DAY : empty ? fromDay : day(Math.ceil(toMs / DAY_MS) * DAY_MS),
    ranged: from !== undefined || to !== undefined,
  };
}
