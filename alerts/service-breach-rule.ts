import { FILL_RATE_LINE } from '../kpis/fill-rate.js';
import type { KpiDefinition } from '../kpis/kpi.js';
import { OTIF_LINE } from '../kpis/otif.js';
import type { AlertKind, Condition, Severity } from './alert.js';
import { round, type AlertRule } from './rule.js';
import type { ThresholdSetting } from './thresholds.js';

const DAY_MS = 86_400_000;
/** SKUs named in the evidence: the ones to look at first, not the whole range. */
const WORST_SKUS = 5;

interface WindowRow {
  company: string;
  warehouse: string;
  sku: string;
  num: number;
  den: number;
}

/**
 * A service KPI of a warehouse under its target over a trailing window: the KPI's own units (the
 * definition in kpis/, the one the KPI API and the dashboards show), summed over the window.
 *
 * One alert per company × warehouse whose rate over the `serviceWindowDays` whole days before the
 * day of the stream time (that day is still running: a line due today and not shipped yet is not
 * late yet) is below the target, once at least `serviceMinLines` lines were judged in the window. It
 * clears when the rate is back at or above the target, or when too few lines are left to judge.
 * Owned by the buyer: a service level missed for want of stock is the buyer's to restore (the lines
 * short or late name the SKUs); executives read every alert anyway.
 */
function serviceBreachRule(kind: AlertKind, kpi: KpiDefinition, target: ThresholdSetting, what: string, targetSetting: string): AlertRule {
  return {
    kind,
    ownerRole: 'buyer',
    description: `A warehouse whose ${what} (the ${kpi.name} KPI) over the LEDGERLINE_ALERT_SERVICE_WINDOW_DAYS days before the stream day is below ${targetSetting}, with at least LEDGERLINE_ALERT_SERVICE_MIN_LINES lines judged.`,
    documentRule: false,
    async evaluate({ store, settings, thresholds, streamTime }) {
      if (streamTime === undefined) return undefined;
      const toDay = streamTime.slice(0, 10);
      const fromDay = new Date(Date.parse(`${toDay}T00:00:00.000Z`) - settings.serviceWindowDays * DAY_MS).toISOString().slice(0, 10);
      const rows = await store.query<WindowRow>(
        `SELECT company, warehouse, sku, sum(num) AS num, sum(den) AS den FROM (${kpi.units})
         WHERE period_day >= {from_day:Date} AND period_day < {to_day:Date}
         GROUP BY company, warehouse, sku ORDER BY company, warehouse, sku`,
        { stream_day: toDay, from_day: fromDay, to_day: toDay, ranged: true },
      );
      const byWarehouse = new Map<string, WindowRow[]>();
      for (const r of rows) {
        const k = `${r.company}/${r.warehouse}`;
        const skus = byWarehouse.get(k);
        if (skus) skus.push(r);
        else byWarehouse.set(k, [r]);
      }
      const conditions: Condition[] = [];
      for (const [key, skus] of byWarehouse) {
        const { company, warehouse } = skus[0]!;
        const num = skus.reduce((s, r) => s + r.num, 0);
        const den = skus.reduce((s, r) => s + r.den, 0);
        const goal = thresholds.get(target, { company, warehouse });
        const minLines = thresholds.get('serviceMinLines', { company, warehouse });
        if (den < minLines.value || den === 0) continue;
        const value = num / den;
        if (value >= goal.value) continue;
        const worst = skus
          .filter((r) => r.den > r.num)
          .sort((a, b) => b.den - b.num - (a.den - a.num) || (a.sku < b.sku ? -1 : 1))
          .slice(0, WORST_SKUS)
          .map((r) => ({ sku: r.sku, missed: round(r.den - r.num), of: round(r.den), rate: round(r.num / r.den) }));
        const scopes = [goal, minLines].filter((t) => t.from !== 'default').map((t) => t.from);
        conditions.push({
          key,
          severity: severityOf(goal.value - value),
          ownerRole: 'buyer',
          title: `${warehouse}: ${what} ${(value * 100).toFixed(1)}% over the ${settings.serviceWindowDays} days to ${toDay}, below the ${(goal.value * 100).toFixed(1)}% target (${round(den - num)} of ${round(den)} lines missed)`,
          subject: { company, warehouse },
          evidence: {
            kpi: kpi.name,
            value: round(value),
            numerator: round(num),
            denominator: round(den),
            target: goal.value,
            gap: round(goal.value - value),
            window_from: fromDay,
            window_to: toDay,
            window_days: settings.serviceWindowDays,
            min_lines: minLines.value,
            worst_skus: worst,
            ...(scopes.length ? { threshold_scope: [...new Set(scopes)].join('; ') } : {}),
          },
          observedAt: `${toDay}T00:00:00.000Z`,
        });
      }
      return conditions;
    },
  };
}

/** 10 points under target is a service problem customers feel; under 5, one to watch. */
function severityOf(gap: number): Severity {
  if (gap >= 0.2) return 'critical';
  if (gap >= 0.1) return 'high';
  return gap >= 0.05 ? 'medium' : 'low';
}

export const OTIF_BREACH_RULE = serviceBreachRule('otif_breach', OTIF_LINE, 'otifTarget', 'OTIF', 'LEDGERLINE_ALERT_OTIF_TARGET');
export const FILL_RATE_BREACH_RULE = serviceBreachRule('fill_rate_breach', FILL_RATE_LINE, 'fillRateTarget', 'line fill rate', 'LEDGERLINE_ALERT_FILL_RATE_TARGET');
