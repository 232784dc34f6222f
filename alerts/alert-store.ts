import type { Store } from '../store/store.js';
import type { Alert, AlertEvent, AlertKind, AlertStatus, OwnerRole, Severity } from './alert.js';

/**
 * Reads and writes the two alert tables (store/migrations/010_alerts.sql). An alert's state is its
 * row with the highest seq (read through FINAL); every change writes a whole new row. The audit
 * trail is only ever appended to.
 */

const ISO = (column: string) => `formatDateTime(${column}, '%Y-%m-%dT%H:%i:%S.%fZ')`;

const ALERT_COLUMNS = `alert_id, kind, condition_key, company, severity, owner_role, status, title, subject, evidence, condition_active,
  ${ISO('observed_at')} AS observed_at, ${ISO('first_seen')} AS first_seen, ${ISO('last_seen')} AS last_seen, occurrences, assignee,
  ${ISO('acknowledged_at')} AS acknowledged_at, acknowledged_by, ${ISO('resolved_at')} AS resolved_at, resolved_by, resolution,
  ${ISO('updated_at')} AS updated_at, toString(seq) AS seq`;

interface AlertRow extends Omit<Alert, 'subject' | 'evidence' | 'condition_active' | 'seq' | 'occurrences'> {
  subject: string;
  evidence: string;
  condition_active: number;
  occurrences: number | string;
  seq: string;
}

function fromRow(r: AlertRow): Alert {
  return {
    ...r,
    subject: JSON.parse(r.subject) as Alert['subject'],
    evidence: JSON.parse(r.evidence) as Alert['evidence'],
    condition_active: Number(r.condition_active) === 1,
    occurrences: Number(r.occurrences),
    seq: Number(r.seq),
  };
}

/** The row as written: every key in the same order for every row (the TSV insert takes the first row's). */
function toRow(a: Alert): Record<string, unknown> {
  return {
    alert_id: a.alert_id,
    kind: a.kind,
    condition_key: a.condition_key,
    company: a.company,
    severity: a.severity,
    owner_role: a.owner_role,
    status: a.status,
    title: a.title,
    sku: a.subject.sku ?? '',
    warehouse: a.subject.warehouse ?? '',
    vendor: a.subject.vendor ?? '',
    subject: JSON.stringify(a.subject),
    evidence: JSON.stringify(a.evidence),
    condition_active: a.condition_active ? 1 : 0,
    observed_at: a.observed_at,
    first_seen: a.first_seen,
    last_seen: a.last_seen,
    occurrences: a.occurrences,
    assignee: a.assignee,
    acknowledged_at: a.acknowledged_at,
    acknowledged_by: a.acknowledged_by,
    resolved_at: a.resolved_at,
    resolved_by: a.resolved_by,
    resolution: a.resolution,
    updated_at: a.updated_at,
    seq: a.seq,
  };
}

function eventRow(e: AlertEvent): Record<string, unknown> {
  return {
    alert_id: e.alert_id,
    kind: e.kind,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    from_status: e.from_status,
    to_status: e.to_status,
    details: JSON.stringify(e.details),
  };
}

export interface AlertQuery {
  kind?: AlertKind;
  /** One status or several. */
  status?: AlertStatus | readonly AlertStatus[];
  severity?: Severity;
  owner_role?: OwnerRole;
  company?: string;
  warehouse?: string;
  sku?: string;
  vendor?: string;
  assignee?: string;
  /** Alerts seen (last_seen) at or after this instant (ISO). */
  since?: string;
  limit?: number;
  offset?: number;
}

const SEVERITY_RANK = `multiIf(severity = 'critical', 0, severity = 'high', 1, severity = 'medium', 2, 3)`;

// Above every seq this process has seen or written, and above the clock in µs: a new row of an
// alert replaces the one it was made from, whichever process wrote that one. One counter for the
// process, not per store object: the engine and the API's service each have one, and two events
// with the same seq would look like one to a stream resuming by Last-Event-ID or a webhook receiver
// deduplicating by event id.
let lastSeq = 0;

export class AlertStore {
  constructor(readonly store: Store) {}

  /** A seq greater than any this process wrote and than `after`. */
  nextSeq(after = 0): number {
    lastSeq = Math.max(lastSeq + 1, Date.now() * 1000, after + 1);
    return lastSeq;
  }

  async get(id: string): Promise<Alert | undefined> {
    const [row] = await this.store.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE alert_id = {id:String}`, { id });
    return row ? this.seen(fromRow(row)) : undefined;
  }

  /** Every alert of a kind, closed ones included (the engine needs them to reopen rather than duplicate). */
  async ofKind(kind: AlertKind): Promise<Map<string, Alert>> {
    const rows = await this.store.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE kind = {kind:String}`, { kind });
    return new Map(rows.map((r) => [r.alert_id, this.seen(fromRow(r))]));
  }

  /** Alerts matching `q`: most severe first, then most recently seen; with the total before paging. */
  async list(q: AlertQuery): Promise<{ total: number; alerts: Alert[] }> {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    for (const column of ['kind', 'severity', 'owner_role', 'company', 'warehouse', 'sku', 'vendor', 'assignee'] as const) {
      if (q[column] !== undefined) {
        where.push(`${column} = {${column}:String}`);
        params[column] = q[column];
      }
    }
    if (q.status !== undefined) {
      where.push('status IN {status:Array(String)}');
      params.status = typeof q.status === 'string' ? [q.status] : q.status;
    }
    if (q.since !== undefined) {
      where.push(`last_seen >= parseDateTime64BestEffort({since:String}, 3)`);
      params.since = q.since;
    }
    // Filtered inside, on the stored columns: the outer SELECT's formatted aliases would shadow them.
    const filtered = `SELECT * FROM alerts FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const [count] = await this.store.query<{ n: string }>(`SELECT toString(count()) AS n FROM (${filtered})`, params);
    const limit = Math.max(1, Math.min(10_000, Math.trunc(q.limit ?? 100)));
    const offset = Math.max(0, Math.trunc(q.offset ?? 0));
    const rows = await this.store.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM (${filtered}) ORDER BY ${SEVERITY_RANK}, last_seen DESC, alert_id LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return { total: Number(count?.n ?? 0), alerts: rows.map((r) => this.seen(fromRow(r))) };
  }

  /** The audit trail of one alert, oldest first. */
  async history(id: string): Promise<AlertEvent[]> {
    const rows = await this.store.query<Omit<AlertEvent, 'details' | 'seq'> & { details: string; seq: string }>(
      `SELECT alert_id, kind, toString(seq) AS seq, ${ISO('at')} AS at, actor, action, from_status, to_status, details
       FROM alert_events WHERE alert_id = {id:String} ORDER BY seq`,
      { id },
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq), details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /**
   * Every stored version of the alerts written with a seq above `after`, unmerged (no FINAL): a
   * reader that keeps the highest seq per alert_id ends with what FINAL would give. For an in-memory
   * copy of the table kept up to date by polling (api/alert-feed.ts).
   */
  async versionsAfter(after: number): Promise<Alert[]> {
    const rows = await this.store.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM (SELECT * FROM alerts WHERE seq > {after:UInt64})`, { after: String(Math.max(0, Math.trunc(after))) });
    return rows.map((r) => this.seen(fromRow(r)));
  }

  /** Every alert as it stands (FINAL), closed ones included. */
  async all(): Promise<Alert[]> {
    const rows = await this.store.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts FINAL`);
    return rows.map((r) => this.seen(fromRow(r)));
  }

  /** Audit events of every alert with `after` < seq ≤ `upTo`, in seq order, at most `limit`: the trail as a stream. */
  async eventsBetween(after: number, upTo: number, limit: number): Promise<AlertEvent[]> {
    const rows = await this.store.query<Omit<AlertEvent, 'details' | 'seq'> & { details: string; seq_text: string }>(
      `SELECT alert_id, kind, toString(seq) AS seq_text, ${ISO('at')} AS at, actor, action, from_status, to_status, details
       FROM alert_events WHERE seq > {after:UInt64} AND seq <= {upTo:UInt64} ORDER BY seq LIMIT ${Math.max(1, Math.trunc(limit))}`,
      { after: String(Math.max(0, Math.trunc(after))), upTo: String(Math.max(0, Math.trunc(upTo))) },
    );
    return rows.map(({ seq_text, ...r }) => ({ ...r, seq: Number(seq_text), details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /** Writes new versions of alerts and their events: the alerts first, so an event never names a state not stored. */
  async write(alerts: readonly Alert[], events: readonly AlertEvent[]): Promise<void> {
    if (alerts.length) await this.store.insert('alerts', alerts.map(toRow));
    if (events.length) await this.store.insert('alert_events', events.map(eventRow));
  }

  private seen(a: Alert): Alert {
    lastSeq = Math.max(lastSeq, a.seq);
    return a;
  }
}
