/** Alerts written straight to the store, for tests of what reads them (the API), without running the rules. */
import { randomUUID } from 'node:crypto';
import { alertId, type Alert, type AlertKind, type OwnerRole, type Severity } from '../alerts/alert.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { Store } from '../store/store.js';

/** The kind a rule would give an alert of each owner (docs/alerts.md). */
const KIND_OF: Record<OwnerRole, AlertKind> = {
  buyer: 'stockout_risk',
  finance: 'bill_mismatch',
  admin: 'dead_letter_surge',
  executive: 'late_supplier',
  data_scientist: 'purchase_anomaly',
};

/** A new open alert owned by `owner`, with its `opened` event; a fresh condition key unless one is given. */
export async function writeTestAlert(store: Store, o: { owner_role: OwnerRole; kind?: AlertKind; key?: string; severity?: Severity; sku?: string; warehouse?: string }): Promise<Alert> {
  const alerts = new AlertStore(store);
  const kind = o.kind ?? KIND_OF[o.owner_role];
  const key = o.key ?? `acme/test-${randomUUID()}`;
  const now = new Date().toISOString();
  const alert: Alert = {
    alert_id: alertId(kind, key),
    kind,
    condition_key: key,
    company: 'acme',
    severity: o.severity ?? 'medium',
    owner_role: o.owner_role,
    status: 'open',
    title: `test alert ${key}`,
    subject: { company: 'acme', ...(o.sku ? { sku: o.sku } : {}), ...(o.warehouse ? { warehouse: o.warehouse } : {}) },
    evidence: { test: true },
    condition_active: true,
    observed_at: now,
    first_seen: now,
    last_seen: now,
    occurrences: 1,
    assignee: null,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    resolution: null,
    updated_at: now,
    seq: alerts.nextSeq(),
  };
  await alerts.write([alert], [{ alert_id: alert.alert_id, kind, seq: alerts.nextSeq(alert.seq), at: now, actor: 'test', action: 'opened', from_status: '', to_status: 'open', details: {} }]);
  return alert;
}
