import { createHash } from 'node:crypto';

/**
 * What an alert is: a condition a rule found true (a stockout risk, an anomalous document, a late
 * purchase line…), owned by a role until someone closes it. One condition, one alert: the id is
 * derived from the kind and the condition's key, so evaluating again finds the same alert instead of
 * opening another.
 */

export const ALERT_KINDS = [
  'stockout_risk',
  'anomalous_adjustment',
  'purchase_anomaly',
  'late_supplier',
  'bill_mismatch',
  'negative_stock',
  'dead_letter_surge',
  'otif_breach',
  'fill_rate_breach',
  'stock_drift',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The roles of the API keys (issue 6): who an alert is for. */
export const OWNER_ROLES = ['buyer', 'finance', 'admin', 'executive', 'data_scientist'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Open or acknowledged: someone still has to act. */
export function isLive(status: AlertStatus): boolean {
  return status === 'open' || status === 'acknowledged';
}

/** What an alert is about; only the fields that apply are present. */
export interface AlertSubject {
  company: string;
  sku?: string;
  warehouse?: string;
  location?: string;
  vendor?: string;
  order_id?: string;
  line_id?: string;
  move_id?: string;
  bill_id?: string;
  source?: string;
}

/** A condition a rule found true now: what the engine turns into an alert. */
export interface Condition {
  /** Unique within the kind; stable across evaluations for the same condition (e.g. company/sku@warehouse). */
  key: string;
  severity: Severity;
  ownerRole: OwnerRole;
  title: string;
  subject: AlertSubject;
  /** The figures, source document ids and model version behind it (JSON-serialisable). */
  evidence: Record<string, unknown>;
  /** Event time (ISO) of what it is about: the document's occurred_at, or the time a snapshot was judged at. */
  observedAt: string;
}

export interface Alert {
  alert_id: string;
  kind: AlertKind;
  condition_key: string;
  company: string;
  severity: Severity;
  owner_role: OwnerRole;
  status: AlertStatus;
  title: string;
  subject: AlertSubject;
  evidence: Record<string, unknown>;
  /** Whether the condition held at the latest evaluation. */
  condition_active: boolean;
  observed_at: string;
  first_seen: string;
  last_seen: string;
  /** How many times the condition has come (back): 1, plus one per reopening. */
  occurrences: number;
  assignee: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  /** Why it was resolved or dismissed. */
  resolution: string | null;
  updated_at: string;
  seq: number;
}

export const ALERT_ACTIONS = ['opened', 'updated', 'reopened', 'cleared', 'acknowledged', 'assigned', 'commented', 'resolved', 'dismissed'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** One line of the audit trail. */
export interface AlertEvent {
  alert_id: string;
  kind: AlertKind;
  seq: number;
  at: string;
  actor: string;
  action: AlertAction;
  from_status: AlertStatus | '';
  to_status: AlertStatus;
  details: Record<string, unknown>;
}

/** The actor the engine's own actions are recorded under. */
export const ENGINE_ACTOR = 'ledgerline';

/**
 * `<kind>-<16 hex>`: the kind readable (and a lookup by id knows its partition of the table), the
 * condition hashed (keys hold slashes and @ that have no place in a URL path).
 */
export function alertId(kind: AlertKind, conditionKey: string): string {
  return `${kind}-${createHash('sha256').update(`${kind}\n${conditionKey}`).digest('hex').slice(0, 16)}`;
}

/** The kind an id was made for, or undefined when it is not an alert id. */
export function kindOfId(id: string): AlertKind | undefined {
  const m = /^([a-z_]+)-[0-9a-f]{16}$/.exec(id);
  return m && (ALERT_KINDS as readonly string[]).includes(m[1]!) ? (m[1] as AlertKind) : undefined;
}
