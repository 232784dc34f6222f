import type { Condition } from './alert.js';
import { round, type AlertRule } from './rule.js';

const DAY_MS = 86_400_000;

interface CountRow {
  company: string;
  sku: string;
  warehouse: string;
  location: string;
  count_id: string;
  occurred_at: string;
  counted_qty: number;
  system_qty: number;
  user: string;
  reason: string | null;
  unit_cost: number;
  off: number;
}

/**
 * Drifting stock: the stock record of a SKU at a location keeps disagreeing with what is on the
 * shelf. Precisely: one alert per company × SKU × location whose counts within the last
 * `driftWindowDays` days before the stream time include at least `driftVariances` counts that found
 * the system quantity off, i.e. |counted − system| beyond max(LEDGERLINE_COUNT_TOLERANCE_UNITS,
 * LEDGERLINE_COUNT_TOLERANCE_PERCENT of |system|) — the inventory_accuracy KPI's test of a count.
 * The location's first count ever is left out: it sets the opening stock, there was no record to be
 * wrong yet. Each count at its highest version.
 *
 * One variance is a correction; two or more in a window mean the record drifts again after being
 * corrected. The evidence says how: `shrink` when every variance is a loss (stock leaving unrecorded:
 * theft, damage, unbooked consumption), `gain` when every one is a surplus (receipts or returns not
 * booked), both of which are high; `back_and_forth` (medium) when they go both ways, the mark of a
 * miscount undone by the next count, or of an adjustment reversed. Owned by finance: every variance
 * was written off as an adjustment, which finance reviews. It clears when the window holds fewer
 * variances (counts age out, or a corrected count version is within tolerance).
 */
export const STOCK_DRIFT_RULE: AlertRule = {
  kind: 'stock_drift',
  ownerRole: 'finance',
  description:
    'A SKU at a location whose counts in the last LEDGERLINE_ALERT_DRIFT_WINDOW_DAYS days (its first count ever left out) found the system quantity off beyond the count tolerance at least LEDGERLINE_ALERT_DRIFT_VARIANCES times: high when all one way (shrink or gain), medium back and forth.',
  documentRule: false,
  async evaluate({ store, settings, thresholds, streamTime }) {
    if (streamTime === undefined) return undefined;
    const from = new Date(Date.parse(streamTime) - settings.driftWindowDays * DAY_MS).toISOString();
    const rows = await store.query<CountRow>(
      `SELECT c.company AS company, c.sku AS sku, c.warehouse AS warehouse, c.location AS location, c.count_id AS count_id,
              formatDateTime(c.occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS occurred_at, c.counted_qty AS counted_qty, c.system_qty AS system_qty,
              c.user AS user, c.reason AS reason, ifNull(p.unit_cost, 0) AS unit_cost,
              abs(c.counted_qty - c.system_qty) > greatest({tolerance_units:Float64}, {tolerance_percent:Float64} / 100 * abs(c.system_qty)) AS off
       FROM (SELECT *, row_number() OVER (PARTITION BY company, sku, location ORDER BY occurred_at, count_id) AS nth FROM count_outcomes FINAL) AS c
       LEFT JOIN (SELECT company, sku, unit_cost FROM products FINAL) AS p ON p.company = c.company AND p.sku = c.sku
       WHERE c.nth > 1 AND c.occurred_at >= parseDateTime64BestEffort({from:String}, 3) AND c.occurred_at <= parseDateTime64BestEffort({to:String}, 3)
       ORDER BY company, sku, location, c.occurred_at, count_id`,
      {
        from,
        to: streamTime,
        tolerance_units: settings.countToleranceUnits,
        tolerance_percent: settings.countTolerancePercent,
      },
    );
    const cells = new Map<string, CountRow[]>();
    for (const r of rows) {
      const k = `${r.company}/${r.sku}@${r.location}`;
      const counts = cells.get(k);
      if (counts) counts.push(r);
      else cells.set(k, [r]);
    }
    const conditions: Condition[] = [];
    for (const [key, counts] of cells) {
      const first = counts[0]!;
      const off = counts.filter((c) => Number(c.off) === 1);
      const needed = thresholds.get('driftVariances', first);
      if (off.length < needed.value) continue;
      const variances = off.map((c) => c.counted_qty - c.system_qty);
      const pattern = variances.every((v) => v < 0) ? 'shrink' : variances.every((v) => v > 0) ? 'gain' : 'back_and_forth';
      const net = variances.reduce((s, v) => s + v, 0);
      const last = off[off.length - 1]!;
      conditions.push({
        key,
        severity: pattern === 'back_and_forth' ? 'medium' : 'high',
        ownerRole: 'finance',
        title: `${first.sku} at ${first.location}: ${off.length} of ${counts.length} counts in ${settings.driftWindowDays} days found the record off (${pattern === 'back_and_forth' ? 'back and forth' : pattern}, net ${net > 0 ? '+' : ''}${round(net, 3)})`,
        subject: { company: first.company, sku: first.sku, warehouse: first.warehouse, location: first.location },
        evidence: {
          pattern,
          variances: off.length,
          counts_in_window: counts.length,
          accuracy_in_window: round((counts.length - off.length) / counts.length),
          net_variance: round(net, 3),
          net_variance_value: round(net * first.unit_cost, 2),
          absolute_variance_value: round(variances.reduce((s, v) => s + Math.abs(v), 0) * first.unit_cost, 2),
          counts: off.map((c) => ({ count_id: c.count_id, at: c.occurred_at, counted: c.counted_qty, system: c.system_qty, variance: round(c.counted_qty - c.system_qty, 3), user: c.user, reason: c.reason })),
          window_from: from,
          window_days: settings.driftWindowDays,
          min_variances: needed.value,
          tolerance_units: settings.countToleranceUnits,
          tolerance_percent: settings.countTolerancePercent,
          ...(needed.from === 'default' ? {} : { threshold_scope: needed.from }),
        },
        observedAt: last.occurred_at,
      });
    }
    return conditions;
  },
};
