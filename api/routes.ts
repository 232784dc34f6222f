/**
 * The route table: every endpoint of the HTTP API with its method, path, the roles that may call it
 * and the schema of its request. It is the single source of truth — `app.ts` mounts exactly these
 * routes (each with its role check and validation), `openapi.ts` generates the OpenAPI document from
 * it, `api-doc.ts` generates docs/api.md, and the security tests generate their cases from it. A
 * route that is not in the table cannot be reached.
 *
 * Adding an endpoint: add an entry here, then its handler under the same `id` in `app.ts`'s handler
 * record (the compiler refuses a table entry without a handler). Handlers read validated parameters
 * from `validated(res)` (see validate.ts).
 *
 * This module is data only (no store, no express): the docs generator and tests load it cheaply.
 */
import { Type, type TObject } from '@sinclair/typebox';
import type { DocumentKind } from '../models/anomaly/autoencoder.js';
import { GRAINS } from '../kpis/kpi.js';
import { ALERT_KINDS, OWNER_ROLES, SEVERITIES } from '../alerts/alert.js';

export const ROLES = ['executive', 'buyer', 'finance', 'data_scientist', 'monitoring', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  // Reading every alert but acting on none: open exceptions and their age are a dashboard figure,
  // and who handles an alert is for the role that owns it.
  executive: 'KPIs, the ledger and every alert, read-only (the dashboards).',
  buyer: 'Stockout risk and demand forecasts; the alerts owned by buyer (stockout risk, late suppliers, negative stock, purchase quantities, OTIF and fill-rate breaches): read and act on them.',
  finance: 'Anomalous adjustments and purchases; the alerts owned by finance (anomalous adjustments, duplicate or mispriced purchases, bill mismatches, stock drift): read and act on them.',
  data_scientist: 'The model registry, forecasts and anomaly scores.',
  // A scraper's key should not be able to read business data or create keys: least privilege.
  monitoring: 'Prometheus metrics only (a scraper\'s key).',
  admin: 'Everything, API keys and every alert included.',
};

/** A query parameter as it arrives (a string), with the type it must convert to. */
export type QueryParam =
  | {
      type: 'string';
      description: string;
      required?: boolean;
      /** Default 200. */
      maxLength?: number;
      /** `date-time`: an ISO-8601 instant with a zone (events/validate.ts `isValidInstant`). */
      format?: 'date-time';
      enum?: readonly string[];
    }
  | { type: 'integer' | 'number'; description: string; required?: boolean; minimum: number; maximum: number };

export type HttpMethod = 'get' | 'post' | 'delete';

export interface Route {
  /** Unique; the OpenAPI operationId and the key of the handler in app.ts. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Express syntax: `:name` segments are path parameters. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  /** `public`: no key needed; otherwise the roles that may call it (admin always among them). */
  readonly access: 'public' | readonly Role[];
  readonly pathParams?: Readonly<Record<string, { description: string; maxLength?: number }>>;
  readonly query?: Readonly<Record<string, QueryParam>>;
  /** A JSON body (Content-Type: application/json), validated against this schema. */
  readonly body?: TObject;
  readonly response: { readonly status: 200 | 201; readonly description: string; readonly contentType?: 'application/json' | 'text/plain' | 'text/event-stream' };
}

/** `roles('buyer')` → buyer and admin: admin may call everything. */
function roles(...allowed: Exclude<Role, 'admin'>[]): readonly Role[] {
  return [...allowed, 'admin'];
}

/** Identity: keeps the route ids as literal types, so a missing or unknown handler is a type error. */
function defineRoutes<const T extends readonly Route[]>(routes: T): T {
  return routes;
}

const MAX_ROWS = 100_000;
const sku = { type: 'string', description: 'Only this SKU.' } as const;
const warehouse = { type: 'string', description: 'Only this warehouse.' } as const;
const limit = (max: number, what: string) => ({ type: 'integer', minimum: 1, maximum: max, description: `At most this many ${what}.` }) as const;
const instant = (description: string) => ({ type: 'string', format: 'date-time', description }) as const;

export const KEY_ID_PATTERN = '^llk_[0-9a-f]{12}$';

/** Who may read alerts: a role sees the alerts it owns (executive and admin: all of them; enforced by the handlers). */
const ALERT_READERS = roles('executive', 'buyer', 'finance');
/** Who may act on alerts: a role acts on the alerts it owns (admin: on all). */
const ALERT_ACTORS = roles('buyer', 'finance');
const alertIdParam = { id: { description: 'The alert id, e.g. stockout_risk-0123456789abcdef (GET /api/v1/alerts lists them).', maxLength: 64 } } as const;
const note = (description: string) => Type.String({ minLength: 1, maxLength: 4000, description });
const ALERT_RESPONSE = '`{alert_id, kind, severity, owner_role, status, title, subject, evidence, assignee, acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution, first_seen, last_seen, occurrences, seq, …}`: the alert after the action.';

export const ROUTES = defineRoutes([
  {
    id: 'health',
    method: 'get',
    path: '/health',
    tag: 'operations',
    summary: 'Liveness: 200 while the process serves.',
    access: 'public',
    response: { status: 200, description: '`{"status": "ok"}`' },
  },
  {
    id: 'metrics',
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics (text exposition format 0.0.4): requests and their latency per route and status, events per pipeline stage (read, dead-lettered, logged, processed), lag (offsets and event time), live alerts by kind and severity, keys.',
    access: roles('monitoring'),
    response: { status: 200, description: 'Prometheus text exposition format.', contentType: 'text/plain' },
  },
  {
    id: 'openapi',
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'operations',
    // Public: it says what any copy of the code says, and API tools fetch it without credentials.
    summary: 'This API as an OpenAPI 3.1 document, generated from the route table.',
    access: 'public',
    response: { status: 200, description: 'The OpenAPI 3.1 document.' },
  },
  {
    id: 'ledger',
    method: 'get',
    path: '/api/v1/ledger',
    tag: 'ledger',
    summary: 'Stock per SKU × location — on hand, reserved, in transit, quarantined, available — live or as of a past instant (event time).',
    access: roles('executive'),
    query: {
      as_of: instant('The ledger as of this instant (event time), e.g. 2025-03-01T00:00:00Z; live when absent.'),
      sku,
      location: { type: 'string', description: 'Only this location, e.g. WH1/Stock.' },
      warehouse,
      limit: limit(MAX_ROWS, 'rows'),
    },
    response: { status: 200, description: '`{"as_of", "rows": [{company, sku, warehouse, location, on_hand, reserved, in_transit, quarantined, available}]}`' },
  },
  {
    id: 'kpiCatalogue',
    method: 'get',
    path: '/api/v1/kpis',
    tag: 'kpis',
    summary: 'The KPI catalogue: every KPI with its definition, formula, dimensions, grains and edge cases.',
    access: roles('executive'),
    response: { status: 200, description: '`{"kpis": [{name, title, definition, formula, period, dimensions, grains, edge_cases}]}`' },
  },
  {
    id: 'kpi',
    method: 'get',
    path: '/api/v1/kpis/:name',
    tag: 'kpis',
    summary: 'One KPI by period and dimension.',
    access: roles('executive'),
    pathParams: { name: { description: 'The KPI, e.g. otif_line (see GET /api/v1/kpis).', maxLength: 100 } },
    query: {
      by: { type: 'string', maxLength: 100, description: 'Dimension to break the KPI down by (default company; the KPI\'s `dimensions`).' },
      grain: { type: 'string', enum: GRAINS, description: 'Period: day (default) or week (starting Monday, UTC).' },
      from: instant('Only the UTC days overlapping [from, to).'),
      to: instant('Only the UTC days overlapping [from, to).'),
    },
    response: { status: 200, description: '`{"kpi", "by", "grain", "rows": [{period, dimension, numerator, denominator, value}]}`' },
  },
  {
    id: 'stockoutRisk',
    method: 'get',
    path: '/api/v1/stockout-risk',
    tag: 'models',
    summary: 'Stockout risk of the latest scoring run, riskiest first, with days of cover and a suggested order.',
    access: roles('buyer'),
    query: {
      warehouse,
      sku,
      min_risk: { type: 'number', minimum: 0, maximum: 1, description: 'Only cells with at least this probability of a stockout.' },
      limit: limit(MAX_ROWS, 'rows'),
    },
    response: { status: 200, description: '`{"rows": [{company, sku, warehouse, as_of, horizon_days, risk, days_of_cover, expected_stockout_day, suggested_order_qty, …}]}`' },
  },
  {
    id: 'forecasts',
    method: 'get',
    path: '/api/v1/forecasts',
    tag: 'models',
    summary: 'The daily demand forecast of the latest scoring run with its interval, per SKU and warehouse.',
    access: roles('buyer', 'data_scientist'),
    query: { sku: { ...sku, required: true, description: 'The SKU (forecasts are per SKU and warehouse).' }, warehouse },
    response: { status: 200, description: '`{"rows": [{company, sku, warehouse, as_of, day, mean, lower, upper, level, method, model_version}]}`' },
  },
  {
    id: 'anomalies',
    method: 'get',
    path: '/api/v1/anomalies',
    tag: 'models',
    summary: 'Scored inventory adjustments and purchase lines, most anomalous first, with the reasons behind each score.',
    access: roles('finance', 'data_scientist'),
    query: {
      kind: { type: 'string', enum: ['adjustment', 'purchase'] satisfies DocumentKind[], description: 'Only this kind of document.' },
      warehouse,
      sku,
      min_score: { type: 'number', minimum: 0, maximum: 1, description: 'Only documents scoring at least this.' },
      limit: limit(MAX_ROWS, 'documents (default 1000)'),
    },
    response: { status: 200, description: '`{"model_version", "rows": [{company, kind, doc_id, sku, warehouse, occurred_at, score, reasons, …}]}`' },
  },
  {
    id: 'models',
    method: 'get',
    path: '/api/v1/models',
    tag: 'models',
    summary: 'Every version in the model registry (forecast and anomaly) with its status and metrics.',
    access: roles('data_scientist'),
    response: { status: 200, description: '`{"versions": [{kind, version, status, spec, train_from, train_to, metrics, …}]}`' },
  },
  {
    id: 'listKeys',
    method: 'get',
    path: '/api/v1/keys',
    tag: 'keys',
    summary: 'Every API key (id, role, name, who created it and when, revoked or not) — never the key itself.',
    access: roles(),
    response: { status: 200, description: '`{"keys": [{id, role, name, created_at, created_by, revoked_at, revoked_by}]}`' },
  },
  {
    id: 'createKey',
    method: 'post',
    path: '/api/v1/keys',
    tag: 'keys',
    summary: 'Creates an API key; the response is the only time the key is shown.',
    access: roles(),
    body: Type.Object(
      {
        role: Type.Union(
          ROLES.map((r) => Type.Literal(r)),
          { description: 'What the key may do (see the roles).' },
        ),
        name: Type.String({ minLength: 1, maxLength: 200, description: 'Who or what uses the key, e.g. "buyer dashboard".' }),
        companies: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: 'Limit the key to these companies (absent or empty: all). Not for admin keys.' }),
        ),
        warehouses: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: 'Limit the key to these warehouses (absent or empty: all). Not for admin keys.' }),
        ),
      },
      { additionalProperties: false, examples: [{ role: 'buyer', name: 'buyer dashboard' }, { role: 'executive', name: 'WH2 site manager', companies: ['acme'], warehouses: ['WH2'] }] },
    ),
    response: { status: 201, description: '`{"id", "key", "role", "name", "companies", "warehouses", "created_at", "created_by"}`: `key` goes in `Authorization: Bearer <key>`.' },
  },
  {
    id: 'revokeKey',
    method: 'delete',
    path: '/api/v1/keys/:id',
    tag: 'keys',
    summary: 'Revokes an API key at once (a key revoked already stays revoked as it was).',
    access: roles(),
    pathParams: { id: { description: 'The key id (its public prefix), e.g. llk_0123456789ab.', maxLength: 16 } },
    response: { status: 200, description: '`{"id", "role", "name", "revoked_at", "revoked_by", …}`' },
  },
  {
    id: 'alertRules',
    method: 'get',
    path: '/api/v1/alert-rules',
    tag: 'alerts',
    summary:
      'The alert rules in force: every threshold (LEDGERLINE_ALERT_* and the count tolerances), which kinds the engine resolves by itself, and the overrides per company, warehouse and category of LEDGERLINE_ALERT_RULES_FILE, most specific first as they apply.',
    access: roles(),
    response: { status: 200, description: '`{"settings": {stockoutRisk, adjustmentScore, …, autoResolve: {kind: bool}}, "overrides": [{company?, warehouse?, category?, …thresholds}]}`' },
  },
  {
    id: 'listAlerts',
    method: 'get',
    path: '/api/v1/alerts',
    tag: 'alerts',
    summary: 'Alerts, most severe first, then most recently seen, with their evidence; paged. buyer and finance see the alerts their role owns, executive and admin all.',
    access: ALERT_READERS,
    query: {
      kind: { type: 'string', enum: ALERT_KINDS, description: 'Only this kind of alert.' },
      status: { type: 'string', maxLength: 100, description: 'Only these statuses, comma-separated: open, acknowledged, resolved, dismissed (e.g. open,acknowledged for the live ones).' },
      severity: { type: 'string', enum: SEVERITIES, description: 'Only this severity.' },
      owner_role: { type: 'string', enum: OWNER_ROLES, description: 'Only the alerts this role owns (buyer and finance: their own role only).' },
      warehouse,
      sku,
      vendor: { type: 'string', description: 'Only alerts about this vendor.' },
      assignee: { type: 'string', description: 'Only alerts assigned to this person.' },
      since: instant('Only alerts seen (last_seen) at or after this instant, e.g. 2025-03-01T00:00:00Z.'),
      limit: limit(1000, 'alerts (default 100)'),
      offset: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Alerts to skip (paging; default 0).' },
    },
    response: { status: 200, description: '`{"total", "offset", "limit", "alerts": [{alert_id, kind, severity, owner_role, status, title, subject, evidence, assignee, first_seen, last_seen, …}]}`: `total` counts every match before paging.' },
  },
  {
    // Before /alerts/:id: express matches in table order, and "stream" is not an alert id.
    id: 'alertStream',
    method: 'get',
    path: '/api/v1/alerts/stream',
    tag: 'alerts',
    summary:
      'Server-sent events: every audit event of the alerts the caller may see (id: its seq, event: the action, data: the event with the alert as it stands), live, about a second behind. Reconnecting with Last-Event-ID (or ?since) resumes after that event; a comment line every 15 s keeps the connection up.',
    access: ALERT_READERS,
    query: {
      since: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Resume after this seq (an event id), as Last-Event-ID does (which wins when both are sent); default: from now.' },
    },
    response: { status: 200, description: '`text/event-stream`: `id: <seq>`, `event: opened|updated|reopened|cleared|acknowledged|assigned|commented|resolved|dismissed`, `data: {alert_id, kind, seq, at, actor, action, from_status, to_status, details, alert}`.', contentType: 'text/event-stream' },
  },
  {
    id: 'getAlert',
    method: 'get',
    path: '/api/v1/alerts/:id',
    tag: 'alerts',
    summary: "One alert with its evidence and its audit trail (who did what, when). 404 for an alert the caller's role does not own (executive and admin: any).",
    access: ALERT_READERS,
    pathParams: alertIdParam,
    response: { status: 200, description: '`{alert_id, kind, severity, owner_role, status, subject, evidence, …, "history": [{seq, at, actor, action, from_status, to_status, details}]}`' },
  },
  {
    id: 'acknowledgeAlert',
    method: 'post',
    path: '/api/v1/alerts/:id/ack',
    tag: 'alerts',
    summary: "Acknowledges an open alert (open → acknowledged), recorded under the caller's key; 409 when it is not open. The body may be left out.",
    access: ALERT_ACTORS,
    pathParams: alertIdParam,
    body: Type.Object({ note: Type.Optional(note('A note for the trail, e.g. "looking into it".')) }, { additionalProperties: false, examples: [{ note: 'checking with the warehouse' }] }),
    response: { status: 200, description: ALERT_RESPONSE },
  },
  {
    id: 'assignAlert',
    method: 'post',
    path: '/api/v1/alerts/:id/assign',
    tag: 'alerts',
    summary: 'Gives an open or acknowledged alert to someone (its status does not change); 409 when it is closed or already theirs.',
    access: ALERT_ACTORS,
    pathParams: alertIdParam,
    body: Type.Object({ assignee: Type.String({ minLength: 1, maxLength: 200, description: 'Who handles it: a user name or an address.' }) }, { additionalProperties: false, examples: [{ assignee: 'maria' }] }),
    response: { status: 200, description: ALERT_RESPONSE },
  },
  {
    id: 'resolveAlert',
    method: 'post',
    path: '/api/v1/alerts/:id/resolve',
    tag: 'alerts',
    summary: 'Resolves an open or acknowledged alert; 409 when it is closed already. The body may be left out.',
    access: ALERT_ACTORS,
    pathParams: alertIdParam,
    body: Type.Object({ resolution: Type.Optional(note('What was done, e.g. "PO 4711 placed" (default "resolved").')) }, { additionalProperties: false, examples: [{ resolution: 'PO 4711 placed with the vendor' }] }),
    response: { status: 200, description: ALERT_RESPONSE },
  },
  {
    id: 'dismissAlert',
    method: 'post',
    path: '/api/v1/alerts/:id/dismiss',
    tag: 'alerts',
    summary: 'Closes an open or acknowledged alert as needing no action, with the reason (required); 409 when it is closed already.',
    access: ALERT_ACTORS,
    pathParams: alertIdParam,
    body: Type.Object({ reason: note('Why it needs no action: what the next reader needs to know.') }, { additionalProperties: false, examples: [{ reason: 'SKU being phased out' }] }),
    response: { status: 200, description: ALERT_RESPONSE },
  },
  {
    id: 'commentAlert',
    method: 'post',
    path: '/api/v1/alerts/:id/comment',
    tag: 'alerts',
    summary: 'Adds a comment to the trail of an alert, in any status; the alert itself is unchanged.',
    access: ALERT_ACTORS,
    pathParams: alertIdParam,
    body: Type.Object({ text: note('The comment.') }, { additionalProperties: false, examples: [{ text: 'vendor confirmed delivery for Friday' }] }),
    response: { status: 201, description: '`{alert_id, kind, seq, at, actor, action: "commented", from_status, to_status, details: {text}}`: the event added.' },
  },
  {
    id: 'odooWebhook',
    method: 'post',
    path: '/api/v1/odoo/webhook',
    tag: 'ingest',
    // Public to the key check: Odoo cannot send an API key header; the shared secret (constant-time compared) authenticates it instead.
    summary:
      "Receives Odoo's \"Send Webhook Notification\" automation payloads (`_model`, `_id`, `_action`; leave the automation's Fields empty) and wakes the poller of `ledgerline odoo`, which reads the change through the API (a lost notification only delays it). Authenticated by the webhook secret of the Odoo config, in `?secret=` (Odoo cannot send headers) or the X-Ledgerline-Odoo-Secret header; 401 without it, 404 where no poller runs.",
    access: 'public',
    query: { secret: { type: 'string', maxLength: 512, description: 'The webhook secret (webhook_secret / webhook_secret_env of the Odoo config).' } },
    body: Type.Object(
      {
        _model: Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-z0-9_.]+$', description: 'The Odoo model, e.g. stock.move.' }),
        _id: Type.Integer({ minimum: 1, description: 'The record id.' }),
        _action: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'The automation action, e.g. "Notify Ledgerline(#42)".' })),
      },
      // No other fields: the poller reads the record itself, so the automation's "Fields" stay empty (docs/odoo.md).
      { additionalProperties: false, examples: [{ _model: 'stock.move', _id: 5531, _action: 'Notify Ledgerline(#42)' }] },
    ),
    response: { status: 200, description: '`{"status": "accepted", "model", "id"}`' },
  },
] as const);

export type RouteId = (typeof ROUTES)[number]['id'];

/** The roles that may call `route` (every role for a public one). */
export function allowedRoles(route: Route): readonly Role[] {
  return route.access === 'public' ? ROLES : route.access;
}

/** `/api/v1/kpis/:name` → `/api/v1/kpis/{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The names of the `:name` segments of an express path. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** Whether a request path (no query) matches a route path: `:x` matches one non-empty segment; a trailing slash is ignored, as express does. */
export function pathMatches(routePath: string, requestPath: string): boolean {
  const want = routePath.split('/');
  const got = requestPath.replace(/(.)\/$/, '$1').split('/');
  return want.length === got.length && want.every((w, i) => (w.startsWith(':') ? got[i]!.length > 0 : w === got[i]));
}
