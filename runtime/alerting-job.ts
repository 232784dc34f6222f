import { type AlertKind } from '../alerts/alert.js';
import { AlertStore } from '../alerts/alert-store.js';
import { reconcile, type ReconcileCounts } from '../alerts/reconcile.js';
import { ALERT_RULES } from '../alerts/rules.js';
import { DEFAULT_ALERT_SETTINGS, thresholdDefaults, type AlertSettings } from '../alerts/settings.js';
import { Thresholds } from '../alerts/thresholds.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;

export interface AlertingResult {
  /** Per kind: what the evaluation did, or 'not judged' when the rule had nothing to judge by (no scores yet). */
  kinds: Partial<Record<AlertKind, ReconcileCounts | 'not judged'>>;
  stream_time: string | null;
  seconds: number;
}

/**
 * Evaluates every alert rule and brings the alerts in line with what holds now (alerts/reconcile.ts):
 * opens, refreshes, reopens and resolves, with the audit events. Run after the scoring (stockout
 * risk, learned anomaly scores), which several rules read. Idempotent: evaluating again with nothing
 * new opens nothing.
 */
export async function evaluateAlerts(store: Store, settings: AlertSettings = DEFAULT_ALERT_SETTINGS, options: { now?: Date } = {}): Promise<AlertingResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const time = await streamTime(new Checkpoints(store));
  const alerts = new AlertStore(store);
  const kinds: AlertingResult['kinds'] = {};
  const openAfter = settings.maxAgeDays > 0 && time !== undefined ? new Date(Date.parse(time) - settings.maxAgeDays * DAY_MS).toISOString() : undefined;
  const thresholds = await Thresholds.load(store, thresholdDefaults(settings), settings.overrides);
  for (const rule of ALERT_RULES) {
    const conditions = await rule.evaluate({ store, settings, thresholds, streamTime: time, now });
    if (conditions === undefined) {
      kinds[rule.kind] = 'not judged';
      continue;
    }
    const result = reconcile(await alerts.ofKind(rule.kind), conditions, {
      kind: rule.kind,
      autoResolve: settings.autoResolve[rule.kind],
      now: now.toISOString(),
      openAfter: rule.documentRule ? openAfter : undefined,
      nextSeq: (after) => alerts.nextSeq(after),
    });
    await alerts.write(result.alerts, result.events);
    kinds[rule.kind] = result.counts;
  }
  return { kinds, stream_time: time ?? null, seconds: Math.round((Date.now() - started) / 10) / 100 };
}

/** One line for the log: what changed, per kind. */
export function alertingSummary(r: AlertingResult): string {
  const parts = Object.entries(r.kinds).flatMap(([kind, c]) => {
    if (c === 'not judged' || !c) return [];
    const changes = (['opened', 'reopened', 'resolved', 'cleared'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
    return changes.length ? [`${kind} ${changes.join(', ')}`] : [];
  });
  return `ledgerline: alerts evaluated in ${r.seconds} s${parts.length ? `: ${parts.join('; ')}` : ', nothing changed'}`;
}
