import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { loadConfig, type Config } from '../config/config.js';
import type { KpiSettings } from '../kpis/kpi.js';
import { alertSettings, type AlertSettings } from '../alerts/settings.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertError, type AlertErrorCode } from '../alerts/lifecycle.js';
import type { Store } from '../store/store.js';
import { AlertFeed, DEFAULT_FEED_OPTIONS, type AlertFeedOptions } from './alert-feed.js';
import { AlertStreams, DEFAULT_STREAM_OPTIONS, type AlertStreamOptions } from './alert-stream.js';
import { alertsHandlers } from './alerts-route.js';
import { HttpError } from './http-error.js';
import { kpiCatalogueHandler, kpiHandler } from './kpi-route.js';
import { keysHandlers } from './keys-route.js';
import { ApiKeyError, ApiKeys, redactSecrets } from './keys.js';
import { ledgerHandler } from './ledger-route.js';
import { Metrics } from './metrics.js';
import { alertSamples, pipelineSamples } from './pipeline-metrics.js';
import { modelsHandlers } from './models-route.js';
import { odooWebhookHandler, type OdooWebhookReceiver } from './odoo-webhook-route.js';
import { openApiDocument } from './openapi.js';
import { pathMatches, ROLES, ROUTES, type Role, type Route, type RouteId } from './routes.js';
import { DASHBOARDS_PATH, dashboardsHandlers, defaultDashboardsSite } from './dashboards-site.js';
import { scopeGuard } from './scope.js';
import { guard, RateLimiter, type AuthMode } from './security.js';
import { validateRequest } from './validate.js';

// Existing routes (and the alert engine's) import it from here.
export { HttpError } from './http-error.js';

export interface ApiOptions {
  /** LEDGERLINE_API_AUTH. */
  auth: AuthMode;
  /** The address the server listens on (LEDGERLINE_HOST): the `auto` loopback exception needs a loopback listener. */
  host: string;
  ratePerSecond: number;
  rateBurst: number;
  maxBodyBytes: number;
  logLevel: Config['LEDGERLINE_LOG_LEVEL'];
  /** Where log lines go; every line is redacted of keys first. */
  log: (line: string) => void;
  /** The registry /metrics serves; pass one to add the pipeline's metrics to it (one app per registry). */
  metrics: Metrics;
  /** The keys the requests are checked against (default: the store's). */
  keys: ApiKeys;
  /** How the alert list and stream follow the store (tests shorten the waits). */
  alerts: Partial<Omit<AlertFeedOptions, 'log'> & AlertStreamOptions>;
  /** The Odoo webhook receiver of `ledgerline odoo` (absent: the route answers 404). */
  odooWebhook?: OdooWebhookReceiver;
  /** The built dashboards served under /dashboards (default dashboards/site) and the role that may open them (LEDGERLINE_DASHBOARDS_ROLE). */
  dashboardsSite: string;
  dashboardsRole: Role;
  /** The rules' settings the evaluations in this process use (served to admins at /api/v1/alert-rules). */
  alertSettings: AlertSettings;
}

/** The app, with what must be stopped before its server can close. */
export interface ApiApp extends express.Express {
  /**
   * Ends the alert streams and stops the alert poller. Call it before `server.close()`, which waits
   * for every open connection: a stream would keep it waiting for as long as its client stays.
   */
  closeStreams(): void;
}

const ALERT_ERROR_STATUS: Record<AlertErrorCode, number> = { not_found: 404, invalid_transition: 409, invalid_request: 400 };

/** The API settings of a configuration. */
export function apiOptions(config: Config): Pick<ApiOptions, 'auth' | 'host' | 'ratePerSecond' | 'rateBurst' | 'maxBodyBytes' | 'logLevel' | 'dashboardsRole' | 'alertSettings'> {
  return {
    auth: config.LEDGERLINE_API_AUTH,
    host: config.LEDGERLINE_HOST,
    ratePerSecond: config.LEDGERLINE_API_RATE_PER_SECOND,
    rateBurst: config.LEDGERLINE_API_RATE_BURST,
    maxBodyBytes: config.LEDGERLINE_API_MAX_BODY_BYTES,
    logLevel: config.LEDGERLINE_LOG_LEVEL,
    dashboardsRole: config.LEDGERLINE_DASHBOARDS_ROLE,
    alertSettings: alertSettings(config),
  };
}

/**
 * The HTTP API: exactly the routes of the route table (routes.ts), each behind its role check,
 * rate limit and request validation. Without options it has the default settings and is meant for
 * a loopback listener (tests, benchmarks); `serveApi` passes the configured ones.
 */
export function createApp(store: Store, settings: KpiSettings, options: Partial<ApiOptions> = {}): ApiApp {
  const o: ApiOptions = {
    ...apiOptions(loadConfig({})),
    log: (line) => process.stderr.write(`${line}\n`),
    metrics: new Metrics(),
    keys: new ApiKeys(store),
    alerts: {},
    dashboardsSite: defaultDashboardsSite(),
    ...options,
  };
  const log = (line: string) => o.log(redactSecrets(line));
  const { metrics, keys } = o;
  const requests = metrics.counter('ledgerline_http_requests_total', 'HTTP requests answered, by method, route (as in the route table) and status.');
  const latency = metrics.histogram('ledgerline_http_request_duration_seconds', 'Time to answer an HTTP request, by method, route and status.');
  const authFailures = metrics.counter('ledgerline_api_auth_failures_total', 'Requests refused for their credentials, by reason (missing, malformed, unknown, revoked).');
  const rateLimited = metrics.counter('ledgerline_api_rate_limited_total', 'Requests refused with 429 (over LEDGERLINE_API_RATE_PER_SECOND).');
  // Series that exist from the start: a rate() over a counter that appears later misses its first increase.
  for (const reason of ['missing', 'malformed', 'unknown', 'revoked']) authFailures.inc({ reason }, 0);
  rateLimited.inc({}, 0);
  addStoreMetrics(metrics, store, keys);
  metrics.collect(() => pipelineSamples(store));
  metrics.collect(() => alertSamples(store));

  // One feed and one set of streams per app: however many clients list or stream, one poller reads the store.
  const feed = new AlertFeed(store, { ...DEFAULT_FEED_OPTIONS, ...o.alerts, log });
  const streamSent = metrics.counter('ledgerline_alert_stream_events_total', 'Alert events written to server-sent event streams (one per event and client).');
  const streamDropped = metrics.counter('ledgerline_alert_stream_dropped_total', 'Alert streams closed because their client fell more than a buffer behind (it resumes with Last-Event-ID).');
  const streams = new AlertStreams(feed, { ...DEFAULT_STREAM_OPTIONS, ...o.alerts }, { sent: streamSent, dropped: streamDropped });
  streamSent.inc({}, 0);
  streamDropped.inc({}, 0);
  metrics.collect(() => [{ name: 'ledgerline_alert_stream_clients', help: 'Clients connected to GET /api/v1/alerts/stream.', type: 'gauge', value: streams.size }]);

  const handlers: Record<RouteId, RequestHandler> = {
    health: (_req, res) => {
      res.json({ status: 'ok' });
    },
    metrics: async (_req, res) => {
      res.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.exposition());
    },
    openapi: (_req, res) => {
      res.json(openApiDocument());
    },
    ledger: ledgerHandler(store),
    kpiCatalogue: kpiCatalogueHandler(),
    kpi: kpiHandler(store, settings),
    ...modelsHandlers(store),
    ...keysHandlers(keys),
    ...alertsHandlers(new AlertService(store), feed, streams),
    alertRules: (_req, res) => {
      const { overrides, ...settings } = o.alertSettings;
      res.json({ settings, overrides });
    },
    odooWebhook: odooWebhookHandler(o.odooWebhook),
  };

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.set('X-Content-Type-Options', 'nosniff');
    res.on('finish', () => {
      // A stream is measured by the ledgerline_alert_stream_* metrics: its duration is its client's, not the server's.
      if (res.locals.untimed === true) return;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (res.locals.route as Route | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      latency.observe(labels, seconds);
      if (o.logLevel === 'debug') {
        const who = res.locals.principal as { kind: string; id?: string } | undefined;
        log(`ledgerline api: ${req.method} ${redactQuery(req.originalUrl)} ${res.statusCode} ${(seconds * 1000).toFixed(1)} ms${who ? ` ${who.id ?? who.kind}` : ''}`);
      }
    });
    next();
  });

  const limiter = new RateLimiter(o.ratePerSecond, o.rateBurst);
  const json = express.json({ limit: o.maxBodyBytes, strict: true, type: 'application/json' });
  for (const route of ROUTES) {
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = route;
        next();
      },
      guard(route, { keys, mode: o.auth, host: o.host, limiter, authFailures, rateLimited }),
      // Bodies are read only once the caller is known to be allowed: strangers cannot make the server parse.
      ...('body' in route ? [json] : []),
      validateRequest(route),
      // A key limited to companies or warehouses is held to them (api/scope.ts).
      scopeGuard(route),
      handlers[route.id],
    ];
    app[route.method](route.path, ...chain);
  }
  app.use(DASHBOARDS_PATH, ...dashboardsHandlers(o.dashboardsSite, o.dashboardsRole, { keys, mode: o.auth, host: o.host, authFailures, rateLimited }, o.ratePerSecond));

  app.use((req, _res, next) => {
    const path = req.path;
    const methods = ROUTES.filter((r) => pathMatches(r.path, path)).map((r) => r.method.toUpperCase());
    if (methods.length) {
      const allow = [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)].join(', ');
      return next(new HttpError(405, `${req.method} is not allowed on ${path}: use ${allow}`, { Allow: allow }));
    }
    next(new HttpError(404, `not found: ${req.method} ${path.slice(0, 200)} is not an endpoint (GET /api/v1/openapi.json lists them)`));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message, headers } = describeError(err, o.maxBodyBytes);
    if (status >= 500) log(`ledgerline api: ${req.method} ${(res.locals.route as Route | undefined)?.path ?? 'unmatched'} failed: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) {
      // A response already under way (a stream) cannot become an error response: end it.
      res.end();
      return;
    }
    res.status(status).set(headers).json({ error: message, ...(err instanceof AlertError ? { code: err.code } : {}) });
  });
  return Object.assign(app, {
    closeStreams: () => {
      streams.close();
      feed.close();
    },
  });
}

/** The status, client message and headers for an error raised while answering. */
function describeError(err: unknown, maxBodyBytes: number): { status: number; message: string; headers: Record<string, string> } {
  if (err instanceof HttpError) return { status: err.status, message: err.message, headers: { ...err.headers } };
  if (err instanceof ApiKeyError) return { status: 400, message: err.message, headers: {} };
  if (err instanceof AlertError) return { status: ALERT_ERROR_STATUS[err.code], message: err.message, headers: {} };
  const e = err as { type?: unknown; status?: unknown; expose?: unknown };
  switch (e?.type) {
    case 'entity.too.large':
      return { status: 413, message: `the request body is larger than ${maxBodyBytes} bytes (LEDGERLINE_API_MAX_BODY_BYTES): send a smaller one`, headers: {} };
    case 'entity.parse.failed':
      // JSON.parse's message quotes the body: it is not repeated (nor logged).
      return { status: 400, message: 'the request body is not valid JSON: check its syntax (Content-Type: application/json)', headers: {} };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, message: 'the request body must be UTF-8 JSON, plain or gzip/deflate/br encoded', headers: {} };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return { status: e.status, message: `the request could not be read (${e.status}): check its body and headers`, headers: {} };
  }
  return { status: 500, message: 'internal error (logged on the server)', headers: {} };
}

/** Values of parameters named like credentials are dropped from a logged URL (keys themselves are redacted everywhere). */
function redactQuery(url: string): string {
  return url.slice(0, 1000).replace(/([?&][^=&]*(?:key|token|secret|auth|pass)[^=&]*=)[^&]*/gi, '$1[redacted]');
}

/** What /metrics reads from the store at each scrape: cheap counts (the engine answers them from part metadata). */
function addStoreMetrics(metrics: Metrics, store: Store, keys: ApiKeys): void {
  metrics.collect(async () => {
    try {
      const [row] = await store.query<{ dead: string; events: string }>(
        'SELECT toString((SELECT count() FROM dead_letters FINAL)) AS dead, toString((SELECT count() FROM events)) AS events',
      );
      const active = Object.fromEntries(ROLES.map((r) => [r, 0]));
      for (const k of await keys.list()) if (k.revoked_at === null) active[k.role] = (active[k.role] ?? 0) + 1;
      return [
        { name: 'ledgerline_store_up', help: 'Whether the store answered this scrape (1) or not (0).', type: 'gauge', value: 1 },
        { name: 'ledgerline_dead_letters_total', help: 'Input records refused with a reason (the dead_letters table).', type: 'counter', value: Number(row?.dead ?? 0) },
        { name: 'ledgerline_events_logged_total', help: 'Events in the embedded event log (accepted and deduplicated).', type: 'counter', value: Number(row?.events ?? 0) },
        ...ROLES.map((role) => ({ name: 'ledgerline_api_keys_active', help: 'API keys not revoked, by role.', type: 'gauge' as const, labels: { role }, value: active[role]! })),
      ];
    } catch {
      return [{ name: 'ledgerline_store_up', help: 'Whether the store answered this scrape (1) or not (0).', type: 'gauge', value: 0 }];
    }
  });
  metrics.collect(() => {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return [
      { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', value: mem.rss },
      { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', type: 'gauge', value: mem.heapUsed },
      { name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
      { name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', type: 'gauge', value: Math.round(Date.now() / 1000 - process.uptime()) },
    ];
  });
}
