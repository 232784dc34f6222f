import { createHash } from 'node:crypto';
import { ALERT_KINDS, type AlertKind } from '../alerts/alert.js';
import { ConfigError, type Config } from '../config/config.js';
import { Checkpoints } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

/**
 * Outgoing webhooks (docs/webhooks.md): every alert event (a row of alert_events, the audit trail)
 * is POSTed as signed JSON to each configured endpoint, at least once and in order per endpoint.
 * Each endpoint has its own loop and its own durable position (checkpoint `webhooks/<endpoint id>`),
 * so a slow or down endpoint delays only itself. A failed attempt is retried with exponential
 * backoff; after the last one the event is marked failed and the loop moves on. Every attempt is a
 * row of webhook_deliveries (store/migrations/012_webhook_deliveries.sql).
 */

export interface WebhookSettings {
  urls: string[];
  secret: string;
  /** Only events of these kinds are sent; undefined: every kind. */
  kinds: AlertKind[] | undefined;
  timeoutMs: number;
  maxAttempts: number;
}

type WebhookConfig = Pick<
  Config,
  'LEDGERLINE_WEBHOOK_URLS' | 'LEDGERLINE_WEBHOOK_SECRET' | 'LEDGERLINE_WEBHOOK_KINDS' | 'LEDGERLINE_WEBHOOK_TIMEOUT_SECONDS' | 'LEDGERLINE_WEBHOOK_MAX_ATTEMPTS'
>;

const MIN_SECRET_LENGTH = 16;

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** The settings from the config (no URLs: webhooks off); a bad URL, kind or missing secret is a ConfigError naming the setting. */
export function webhookSettings(config: WebhookConfig): WebhookSettings {
  const urls = [...new Set(list(config.LEDGERLINE_WEBHOOK_URLS))];
  const problems: string[] = [];
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    // The URL itself may carry a token: only its start goes into the message.
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) problems.push(`LEDGERLINE_WEBHOOK_URLS: "${url.slice(0, 40)}" is not an http(s) URL`);
  }
  if (urls.length && !config.LEDGERLINE_WEBHOOK_SECRET) {
    problems.push('LEDGERLINE_WEBHOOK_SECRET is required when LEDGERLINE_WEBHOOK_URLS is set: receivers check the signature with it (make one with `openssl rand -hex 32`)');
  } else if (urls.length && config.LEDGERLINE_WEBHOOK_SECRET.length < MIN_SECRET_LENGTH) {
    problems.push(`LEDGERLINE_WEBHOOK_SECRET is too short (${config.LEDGERLINE_WEBHOOK_SECRET.length} characters; at least ${MIN_SECRET_LENGTH}, e.g. \`openssl rand -hex 32\`)`);
  }
  const kinds = list(config.LEDGERLINE_WEBHOOK_KINDS);
  const unknown = kinds.filter((k) => !(ALERT_KINDS as readonly string[]).includes(k));
  if (unknown.length) problems.push(`LEDGERLINE_WEBHOOK_KINDS: unknown alert kind(s) ${unknown.join(', ')} (kinds: ${ALERT_KINDS.join(', ')})`);
  if (problems.length) throw new ConfigError(`invalid webhook configuration:\n  ${problems.join('\n  ')}\nSee docs/webhooks.md.`);
  return {
    urls,
    secret: config.LEDGERLINE_WEBHOOK_SECRET,
    kinds: kinds.length ? (kinds as AlertKind[]) : undefined,
    timeoutMs: config.LEDGERLINE_WEBHOOK_TIMEOUT_SECONDS * 1000,
    maxAttempts: config.LEDGERLINE_WEBHOOK_MAX_ATTEMPTS,
  };
}

/** Stable per URL (the whole URL: another token in the query is another receiver). */
export function endpointId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 12);
}

/** The URL as logs and the delivery log show it: no credentials, no query string (either may hold a token). */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export const CHECKPOINT_PREFIX = 'webhooks/';

export interface DispatcherOptions {
  report?: (line: string) => void;
  /** How often an idle endpoint looks for new events. */
  pollMs?: number;
  /**
   * Events are sent once their seq is this old. A seq is taken from the clock before its row is
   * written, so a slow write (a large evaluation) can land after a later seq someone else wrote
   * meanwhile; waiting a little keeps the order.
   */
  settleMs?: number;
  /**
   * How far behind its position an endpoint still looks for events it has no final delivery of: an
   * event whose write landed later than `settleMs` is sent late rather than never.
   */
  lookbackMs?: number;
  /** First retry delay; doubled per attempt up to `backoffMaxMs`, each ±20 % (jitter). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  batchSize?: number;
}

const DEFAULTS = { pollMs: 1000, settleMs: 1000, lookbackMs: 300_000, backoffBaseMs: 1000, backoffMaxMs: 300_000, batchSize: 100 };

/** The document POSTed for one alert event. */
export interface WebhookPayload {
  /** The event's seq: unique, growing with time; also X-Ledgerline-Event-Id (receivers dedupe by it). */
  event_id: number;
  type: `alert.${string}`;
  action: string;
  at: string;
  actor: string;
  from_status: string;
  to_status: string;
  details: Record<string, unknown>;
  /** The alert as it stands when the event is sent (it may have moved on since the event: `to_status` is where the event left it). */
  alert: {
    id: string;
    kind: string;
    severity: string;
    owner_role: string;
    status: string;
    title: string;
    subject: Record<string, unknown>;
    evidence: Record<string, unknown>;
    first_seen: string;
    last_seen: string;
    occurrences: number;
    assignee: string | null;
  } | null;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'aborted';

export interface DeliveryAttempt {
  endpoint_id: string;
  url: string;
  seq: number;
  alert_id: string;
  kind: string;
  action: string;
  attempt: number;
  outcome: DeliveryOutcome;
  status_code: number;
  error: string;
  duration_ms: number;
  at: string;
}

const ISO = (column: string) => `formatDateTime(${column}, '%Y-%m-%dT%H:%i:%S.%fZ')`;

interface EventRow {
  seq: string;
  alert_id: string;
  kind: string;
  at: string;
  actor: string;
  action: string;
  from_status: string;
  to_status: string;
  details: string;
}

interface AlertRow {
  alert_id: string;
  kind: string;
  severity: string;
  owner_role: string;
  status: string;
  title: string;
  subject: string;
  evidence: string;
  first_seen: string;
  last_seen: string;
  occurrences: number | string;
  assignee: string | null;
}

interface Endpoint {
  id: string;
  url: string;
  display: string;
  checkpoint: string;
  /** The seq up to which every event is delivered or given up (loaded from the checkpoint). */
  position?: number;
  /** The position when the endpoint was first seen: nothing before it is ever sent. */
  start?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

class Stopped extends Error {}

export class WebhookDispatcher {
  private readonly abort = new AbortController();
  private readonly endpoints: Endpoint[];
  private readonly checkpoints: Checkpoints;
  private readonly options: Required<Omit<DispatcherOptions, 'report'>>;
  private readonly report: (line: string) => void;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly store: Store,
    private readonly settings: WebhookSettings,
    options: DispatcherOptions = {},
  ) {
    const { report, ...rest } = options;
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.report = report ?? ((l: string) => process.stderr.write(`${l}\n`));
    this.checkpoints = new Checkpoints(store);
    this.endpoints = settings.urls.map((url) => {
      const id = endpointId(url);
      return { id, url, display: displayUrl(url), checkpoint: `${CHECKPOINT_PREFIX}${id}` };
    });
  }

  /** Starts one loop per endpoint (nothing when no URL is configured). */
  start(): this {
    if (!this.endpoints.length || this.loops.length) return this;
    const kinds = this.settings.kinds ? `events of ${this.settings.kinds.join(', ')}` : 'every alert event';
    this.report(`ledgerline: webhooks: sending ${kinds} to ${this.endpoints.map((e) => `${e.display} (${e.id})`).join(', ')}`);
    this.loops = this.endpoints.map((e) => this.loop(e));
    return this;
  }

  /** Stops every loop: an attempt in flight is aborted (and sent again after a restart: receivers dedupe by event id). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(endpoint: Endpoint): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const sent = await this.cycle(endpoint);
        failures = 0;
        if (!sent) await sleep(this.options.pollMs, this.abort.signal);
      } catch (e) {
        if (e instanceof Stopped || this.stopped) break;
        // The store (not the endpoint) failed: the same events are read again later; no position moved.
        failures++;
        if (failures === 1 || failures % 60 === 0) this.report(`ledgerline: webhook ${endpoint.display}: cannot read or record alert events (${(e as Error).message}); retrying`);
        await sleep(Math.min(60_000, this.options.pollMs * 2 ** Math.min(failures, 6)), this.abort.signal);
      }
    }
  }

  /** Sends the next batch of events; false when there was none. */
  private async cycle(endpoint: Endpoint): Promise<boolean> {
    if (endpoint.position === undefined) await this.load(endpoint);
    const events = await this.pending(endpoint);
    if (!events.length) return false;
    const alerts = await this.alertsOf([...new Set(events.map((e) => e.alert_id))]);
    let position = endpoint.position!;
    try {
      for (const event of events) {
        await this.deliver(endpoint, event, alerts.get(event.alert_id));
        position = Math.max(position, Number(event.seq));
      }
    } finally {
      // Also when stopped mid-batch: the events already done need not be sent again.
      if (position > endpoint.position!) {
        await this.checkpoints.set(new Map([[endpoint.checkpoint, String(position)]]));
        endpoint.position = position;
      }
    }
    return true;
  }

  /**
   * The endpoint's position, or for a new endpoint the latest event now: a webhook added to a store
   * with a long history is sent what happens from then on, not years of past events.
   */
  private async load(endpoint: Endpoint): Promise<void> {
    const saved = await this.checkpoints.withPrefix(endpoint.checkpoint);
    const position = saved.get(endpoint.checkpoint);
    if (position !== undefined) {
      endpoint.position = Number(position);
      endpoint.start = Number(saved.get(`${endpoint.checkpoint}/start`) ?? 0);
      return;
    }
    const [latest] = await this.store.query<{ seq: string }>('SELECT toString(max(seq)) AS seq FROM alert_events');
    const start = Number(latest?.seq ?? 0);
    await this.checkpoints.set(new Map([[endpoint.checkpoint, String(start)], [`${endpoint.checkpoint}/start`, String(start)]]));
    endpoint.position = start;
    endpoint.start = start;
    this.report(`ledgerline: webhook ${endpoint.display}: new endpoint, sending the alert events after seq ${start} (those from now on)`);
  }

  /** The next events, oldest first: after the position (and those behind it, within the lookback, never delivered nor given up). */
  private async pending(endpoint: Endpoint): Promise<EventRow[]> {
    const lower = Math.max(endpoint.start ?? 0, endpoint.position! - this.options.lookbackMs * 1000);
    const horizon = (Date.now() - this.options.settleMs) * 1000;
    const params: Record<string, unknown> = { lower: String(lower), horizon: String(horizon), endpoint: endpoint.id };
    let kinds = '';
    if (this.settings.kinds) {
      kinds = 'AND kind IN {kinds:Array(String)}';
      params.kinds = this.settings.kinds;
    }
    return this.store.query<EventRow>(
      // Filtered inside, on the stored columns: the outer SELECT's string aliases would shadow them.
      `SELECT toString(seq) AS seq, alert_id, kind, ${ISO('at')} AS at, actor, action, from_status, to_status, details
       FROM (
         SELECT * FROM alert_events
         WHERE seq > {lower:UInt64} AND seq <= {horizon:UInt64} ${kinds}
           AND (alert_id, seq) NOT IN (
             SELECT alert_id, seq FROM webhook_deliveries
             WHERE endpoint_id = {endpoint:String} AND seq > {lower:UInt64} AND outcome IN ('delivered', 'failed'))
         ORDER BY seq, alert_id
         LIMIT ${this.options.batchSize})
       ORDER BY toUInt64(seq), alert_id`,
      params,
    );
  }

  private async alertsOf(ids: string[]): Promise<Map<string, WebhookPayload['alert']>> {
    const rows = await this.store.query<AlertRow>(
      `SELECT alert_id, kind, severity, owner_role, status, title, subject, evidence, ${ISO('first_seen')} AS first_seen, ${ISO('last_seen')} AS last_seen, occurrences, assignee
       FROM alerts FINAL WHERE alert_id IN {ids:Array(String)}`,
      { ids },
    );
    return new Map(
      rows.map((r) => [
        r.alert_id,
        {
          id: r.alert_id,
          kind: r.kind,
          severity: r.severity,
          owner_role: r.owner_role,
          status: r.status,
          title: r.title,
          subject: JSON.parse(r.subject) as Record<string, unknown>,
          evidence: JSON.parse(r.evidence) as Record<string, unknown>,
          first_seen: r.first_seen,
          last_seen: r.last_seen,
          occurrences: Number(r.occurrences),
          assignee: r.assignee,
        },
      ]),
    );
  }

  /** Sends one event until an attempt gets a 2xx or the attempts run out; every attempt is recorded. */
  private async deliver(endpoint: Endpoint, event: EventRow, alert: WebhookPayload['alert'] | undefined): Promise<void> {
    const seq = Number(event.seq);
    const payload: WebhookPayload = {
      event_id: seq,
      type: `alert.${event.action}`,
      action: event.action,
      at: event.at,
      actor: event.actor,
      from_status: event.from_status,
      to_status: event.to_status,
      details: JSON.parse(event.details) as Record<string, unknown>,
      alert: alert ?? null,
    };
    const body = JSON.stringify(payload);
    const what = `event ${seq} (${payload.type} ${event.alert_id})`;
    const { maxAttempts } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const at = new Date();
      const result = await this.post(endpoint, seq, attempt, body);
      const row: DeliveryAttempt = {
        endpoint_id: endpoint.id,
        url: endpoint.display,
        seq,
        alert_id: event.alert_id,
        kind: event.kind,
        action: event.action,
        attempt,
        outcome: 'retrying',
        status_code: result.status,
        error: result.error,
        duration_ms: Date.now() - at.getTime(),
        at: at.toISOString(),
      };
      if (result.aborted) {
        // Best effort: the store may be closing too; the event is sent again after a restart either way.
        await this.store.insert('webhook_deliveries', [{ ...row, outcome: 'aborted' }]).catch(() => {});
        throw new Stopped();
      }
      const delivered = result.status >= 200 && result.status < 300;
      const last = attempt >= maxAttempts;
      row.outcome = delivered ? 'delivered' : last ? 'failed' : 'retrying';
      await this.store.insert('webhook_deliveries', [row]);
      if (delivered) {
        if (attempt > 1) this.report(`ledgerline: webhook ${endpoint.display}: ${what} delivered at attempt ${attempt}`);
        return;
      }
      if (last) {
        this.report(`ledgerline: webhook ${endpoint.display}: ${what} failed after ${attempt} attempt(s) (last: ${result.error}); marked failed in webhook_deliveries, moving on to the next event`);
        return;
      }
      const delay = this.backoff(attempt);
      if (attempt === 1) this.report(`ledgerline: webhook ${endpoint.display}: ${what} attempt 1 failed (${result.error}); retrying with backoff, up to ${maxAttempts} attempts`);
      await sleep(delay, this.abort.signal);
      if (this.stopped) throw new Stopped();
    }
  }

  /** The wait after failed attempt `attempt` (1-based): base·2^(attempt−1), capped, ±20 % so many senders do not retry in step. */
  private backoff(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.options;
    const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(delay * (0.8 + 0.4 * Math.random()));
  }

  private async post(endpoint: Endpoint, seq: number, attempt: number, body: string): Promise<{ status: number; error: string; aborted?: boolean }> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ledgerline-Webhooks/1',
          [EVENT_ID_HEADER]: String(seq),
          'X-Ledgerline-Attempt': String(attempt),
          // Signed at each attempt: a retry minutes later is still within the receiver's tolerance.
          [SIGNATURE_HEADER]: signatureHeader(this.settings.secret, body),
        },
        body,
        signal: AbortSignal.any([this.abort.signal, timeout]),
        // A signed event is not re-sent to wherever a redirect points; the configured URL must be the final one.
        redirect: 'manual',
      });
      // The answer's body is not needed; cancelling frees the connection without waiting for it.
      await response.body?.cancel().catch(() => {});
      const ok = response.status >= 200 && response.status < 300;
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
      return { status: response.status, error: ok ? '' : `HTTP ${response.status}${redirect}` };
    } catch (e) {
      if (this.stopped) return { status: 0, error: 'aborted: the process is stopping', aborted: true };
      if (timeout.aborted) return { status: 0, error: `no answer within ${this.settings.timeoutMs / 1000} s` };
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { status: 0, error: cause?.code ? `${cause.code}${cause.message ? `: ${cause.message}` : ''}` : (e as Error).message };
    }
  }
}

/** Starts the webhook loops of `settings` (nothing when no URL is configured); `stop` ends them without waiting for slow endpoints. */
export function startWebhooks(store: Store, settings: WebhookSettings, options: DispatcherOptions = {}): { stop(): Promise<void> } {
  return new WebhookDispatcher(store, settings, options).start();
}

/** The delivery log, newest first (ledgerline alerts webhooks). */
export async function deliveryLog(store: Store, q: { endpoint?: string; seq?: number; limit?: number } = {}): Promise<DeliveryAttempt[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.endpoint !== undefined) {
    where.push('endpoint_id = {endpoint:String}');
    params.endpoint = q.endpoint;
  }
  if (q.seq !== undefined) {
    where.push('seq = {seq:UInt64}');
    params.seq = String(q.seq);
  }
  const limit = Math.max(1, Math.min(100_000, Math.trunc(q.limit ?? 100)));
  const rows = await store.query<Omit<DeliveryAttempt, 'seq'> & { seq: string }>(
    `SELECT endpoint_id, url, toString(seq) AS seq, alert_id, kind, action, attempt, outcome, status_code, error, duration_ms, ${ISO('at')} AS at
     FROM (SELECT * FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, seq DESC, attempt DESC LIMIT ${limit})
     ORDER BY at DESC, toUInt64(seq) DESC, attempt DESC`,
    params,
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq), attempt: Number(r.attempt), status_code: Number(r.status_code), duration_ms: Number(r.duration_ms) }));
}
