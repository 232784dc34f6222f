import type { Store } from '../store/store.js';
import { ALERT_KINDS, ALERT_STATUSES, kindOfId, OWNER_ROLES, SEVERITIES, type Alert, type AlertEvent, type AlertStatus } from './alert.js';
import { AlertStore, type AlertQuery } from './alert-store.js';
import { AlertError, checkTransition, type PersonAction } from './lifecycle.js';

/** Longest comment, reason or assignee name kept: a note, not a document. */
const MAX_TEXT = 4000;
const MAX_NAME = 200;

export interface AlertWithHistory extends Alert {
  history: AlertEvent[];
}

/**
 * What people (through the CLI now, the API later) do with alerts: list and read them, acknowledge,
 * assign, resolve, dismiss with a reason, comment. Every action is checked against the alert's
 * status (AlertError says why it is refused) and recorded in the audit trail with who and when.
 *
 * Two actions on one alert at the same moment (two people, or a person and the engine) both land in
 * the trail; the alert keeps the later write.
 */
export class AlertService {
  readonly alerts: AlertStore;

  constructor(
    store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.alerts = new AlertStore(store);
  }

  /** Alerts matching the filter (validated: an unknown kind, status, severity or role is an AlertError). */
  async list(q: AlertQuery = {}): Promise<{ total: number; alerts: Alert[] }> {
    oneOf('kind', q.kind, ALERT_KINDS);
    for (const s of q.status === undefined ? [] : typeof q.status === 'string' ? [q.status] : q.status) oneOf('status', s, ALERT_STATUSES);
    oneOf('severity', q.severity, SEVERITIES);
    oneOf('owner_role', q.owner_role, OWNER_ROLES);
    if (q.since !== undefined && Number.isNaN(Date.parse(q.since))) throw new AlertError('invalid_request', `since must be an ISO-8601 instant, e.g. 2025-03-01T00:00:00Z (got "${q.since}")`);
    if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 1 && q.limit <= 10_000)) throw new AlertError('invalid_request', `limit must be an integer from 1 to 10000 (got ${q.limit})`);
    if (q.offset !== undefined && !(Number.isInteger(q.offset) && q.offset >= 0)) throw new AlertError('invalid_request', `offset must be a whole number (got ${q.offset})`);
    return this.alerts.list(q);
  }

  /** One alert with its audit trail. */
  async get(id: string): Promise<AlertWithHistory> {
    const alert = await this.find(id);
    return { ...alert, history: await this.alerts.history(id) };
  }

  async acknowledge(id: string, actor: string, note?: string): Promise<Alert> {
    return this.act(id, 'acknowledge', actor, (a, now) => ({ ...a, status: 'acknowledged', acknowledged_at: now, acknowledged_by: actor }), note === undefined ? {} : { note: text('note', note) });
  }

  /** Gives the alert to someone (a user name or an address); does not change its status. */
  async assign(id: string, assignee: string, actor: string): Promise<Alert> {
    const to = name('assignee', assignee);
    return this.act(id, 'assign', actor, (a) => {
      if (a.assignee === to) throw new AlertError('invalid_transition', `alert ${id} is already assigned to ${to}`);
      return { ...a, assignee: to };
    }, (a) => ({ from: a.assignee, to }));
  }

  async resolve(id: string, actor: string, resolution?: string): Promise<Alert> {
    const why = resolution === undefined ? 'resolved' : text('resolution', resolution);
    return this.act(id, 'resolve', actor, (a, now) => ({ ...a, status: 'resolved', resolved_at: now, resolved_by: actor, resolution: why }), { resolution: why });
  }

  /** Closes the alert as not needing action; the reason is required (it is what the next reader needs). */
  async dismiss(id: string, actor: string, reason: string): Promise<Alert> {
    const why = text('reason', reason);
    return this.act(id, 'dismiss', actor, (a, now) => ({ ...a, status: 'dismissed', resolved_at: now, resolved_by: actor, resolution: why }), { reason: why });
  }

  /** Adds a note to the trail, in any status; the alert itself is unchanged. */
  async comment(id: string, actor: string, comment: string): Promise<AlertEvent> {
    const who = name('actor', actor);
    const body = text('text', comment);
    const alert = await this.find(id);
    checkTransition(alert, 'comment');
    const event = this.event(alert, who, 'commented', alert.status, { text: body });
    await this.alerts.write([], [event]);
    return event;
  }

  private async act(
    id: string,
    action: Exclude<PersonAction, 'comment'>,
    actor: string,
    change: (a: Alert, now: string) => Alert,
    details: Record<string, unknown> | ((before: Alert) => Record<string, unknown>),
  ): Promise<Alert> {
    const who = name('actor', actor);
    const before = await this.find(id);
    checkTransition(before, action);
    const now = this.clock().toISOString();
    const after: Alert = { ...change(before, now), updated_at: now, seq: this.alerts.nextSeq(before.seq) };
    const verb = ({ acknowledge: 'acknowledged', assign: 'assigned', resolve: 'resolved', dismiss: 'dismissed' } as const)[action];
    await this.alerts.write([after], [this.event(after, who, verb, before.status, typeof details === 'function' ? details(before) : details, now)]);
    return after;
  }

  private event(a: Alert, actor: string, action: AlertEvent['action'], from: AlertStatus, details: Record<string, unknown>, at = this.clock().toISOString()): AlertEvent {
    return { alert_id: a.alert_id, kind: a.kind, seq: this.alerts.nextSeq(), at, actor, action, from_status: from, to_status: a.status, details };
  }

  private async find(id: string): Promise<Alert> {
    if (kindOfId(id) === undefined) throw new AlertError('invalid_request', `"${id.slice(0, 100)}" is not an alert id (they look like stockout_risk-0123456789abcdef; \`ledgerline alerts list\` shows them)`);
    const alert = await this.alerts.get(id);
    if (!alert) throw new AlertError('not_found', `no alert ${id}: it may belong to another store (see \`ledgerline alerts list\`)`);
    return alert;
  }
}

function oneOf<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value as T)) throw new AlertError('invalid_request', `${field} "${value}" is not one of ${allowed.join(', ')}`);
}

function text(field: string, value: string): string {
  const t = value.trim();
  if (!t) throw new AlertError('invalid_request', `${field} must not be empty: say what was done or why`);
  if (t.length > MAX_TEXT) throw new AlertError('invalid_request', `${field} is ${t.length} characters; keep it under ${MAX_TEXT} (link to a document for more)`);
  return t;
}

function name(field: string, value: string): string {
  const t = value.trim();
  if (!t || t.length > MAX_NAME) throw new AlertError('invalid_request', `${field} must be a name of 1 to ${MAX_NAME} characters (got ${t ? `${t.length} characters` : 'none'})`);
  return t;
}
