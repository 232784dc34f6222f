import { alertId, ENGINE_ACTOR, isLive, type Alert, type AlertEvent, type AlertKind, type Condition } from './alert.js';

export interface ReconcileOptions {
  kind: AlertKind;
  /** Resolve live alerts whose condition cleared. */
  autoResolve: boolean;
  /** Wall-clock now (ISO): first_seen, last_seen, and the time of the engine's actions. */
  now: string;
  /** A condition observed before this instant (ISO) opens no alert (max age); undefined: any age. */
  openAfter: string | undefined;
  /** A seq above `after` (the row being replaced). */
  nextSeq: (after?: number) => number;
}

export interface ReconcileCounts {
  /** Conditions that hold now. */
  conditions: number;
  opened: number;
  /** Live alerts whose condition still holds (last_seen moved; evidence refreshed). */
  updated: number;
  /** Closed alerts whose condition came back after clearing. */
  reopened: number;
  resolved: number;
  /** Live alerts whose condition cleared but that stay open (auto-resolve off for the kind). */
  cleared: number;
  /** New conditions about documents older than the max age: no alert. */
  too_old: number;
}

/**
 * The engine's half of the lifecycle, for one kind: from the conditions that hold now and the kind's
 * alerts as stored, the new alert versions and audit events to write.
 *
 * - a condition without an alert opens one (the id is the condition's: one alert per condition);
 * - a live alert whose condition holds is refreshed (last_seen, evidence, severity); an `updated`
 *   event only when the evidence or the severity changed, so the trail is not a heartbeat;
 * - a closed alert whose condition holds stays closed while the condition has held since it was
 *   closed (a person closed this occurrence), and reopens when it comes back after having cleared;
 * - a live alert whose condition cleared is resolved by the engine (or, without auto-resolve, kept
 *   with a `cleared` event); a closed one just notes that it cleared, which arms the reopening.
 */
export function reconcile(existing: ReadonlyMap<string, Alert>, conditions: readonly Condition[], o: ReconcileOptions): { alerts: Alert[]; events: AlertEvent[]; counts: ReconcileCounts } {
  const alerts: Alert[] = [];
  const events: AlertEvent[] = [];
  const counts: ReconcileCounts = { conditions: conditions.length, opened: 0, updated: 0, reopened: 0, resolved: 0, cleared: 0, too_old: 0 };
  const event = (a: Alert, action: AlertEvent['action'], from: AlertEvent['from_status'], details: Record<string, unknown>) =>
    events.push({ alert_id: a.alert_id, kind: a.kind, seq: o.nextSeq(), at: o.now, actor: ENGINE_ACTOR, action, from_status: from, to_status: a.status, details });
  const seen = new Set<string>();

  for (const c of conditions) {
    const id = alertId(o.kind, c.key);
    if (seen.has(id)) continue; // a rule that returned a key twice: the first counts
    seen.add(id);
    const before = existing.get(id);
    const fields = {
      severity: c.severity,
      owner_role: c.ownerRole,
      title: c.title,
      subject: c.subject,
      evidence: c.evidence,
      observed_at: c.observedAt,
      last_seen: o.now,
      condition_active: true,
      updated_at: o.now,
    };
    if (!before) {
      if (o.openAfter !== undefined && Date.parse(c.observedAt) < Date.parse(o.openAfter)) {
        counts.too_old++;
        continue;
      }
      const a: Alert = {
        alert_id: id,
        kind: o.kind,
        condition_key: c.key,
        company: c.subject.company,
        status: 'open',
        ...fields,
        first_seen: o.now,
        occurrences: 1,
        assignee: null,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
        seq: o.nextSeq(),
      };
      alerts.push(a);
      event(a, 'opened', '', { severity: a.severity, owner_role: a.owner_role, title: a.title });
      counts.opened++;
      continue;
    }
    if (isLive(before.status)) {
      const a: Alert = { ...before, ...fields, seq: o.nextSeq(before.seq) };
      alerts.push(a);
      const changed = changedKeys(before.evidence, c.evidence);
      if (changed.length || before.severity !== c.severity || !before.condition_active) {
        event(a, 'updated', before.status, {
          ...(changed.length ? { changed } : {}),
          ...(before.severity !== c.severity ? { severity: { from: before.severity, to: c.severity } } : {}),
          ...(!before.condition_active ? { condition: 'holds again' } : {}),
        });
      }
      counts.updated++;
      continue;
    }
    if (before.condition_active) {
      // Closed by a person while it held; still the same occurrence.
      alerts.push({ ...before, last_seen: o.now, updated_at: o.now, seq: o.nextSeq(before.seq) });
      continue;
    }
    const a: Alert = {
      ...before,
      ...fields,
      status: 'open',
      occurrences: before.occurrences + 1,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      seq: o.nextSeq(before.seq),
    };
    alerts.push(a);
    event(a, 'reopened', before.status, { occurrence: a.occurrences, previously: { status: before.status, closed_at: before.resolved_at, by: before.resolved_by, resolution: before.resolution } });
    counts.reopened++;
  }

  for (const before of existing.values()) {
    if (seen.has(before.alert_id) || !before.condition_active) continue;
    const base = { ...before, condition_active: false, updated_at: o.now, seq: o.nextSeq(before.seq) };
    if (!isLive(before.status)) {
      alerts.push(base);
      continue;
    }
    if (o.autoResolve) {
      const a: Alert = { ...base, status: 'resolved', resolved_at: o.now, resolved_by: ENGINE_ACTOR, resolution: 'condition cleared' };
      alerts.push(a);
      event(a, 'resolved', before.status, { reason: 'condition cleared', auto: true });
      counts.resolved++;
    } else {
      alerts.push(base);
      event(base, 'cleared', before.status, { note: 'condition cleared; auto-resolve is off for this kind, so it waits for a person' });
      counts.cleared++;
    }
  }
  return { alerts, events, counts };
}

/** Top-level evidence keys whose values differ (compared as JSON). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
