/** docs/api.md, generated from the route table and the settings (`npm run gen`; a test fails when it is stale). */
import { ConfigSchema } from '../config/config.js';
import { allowedRoles, ROLE_DESCRIPTIONS, ROLES, ROUTES, type QueryParam, type Route } from './routes.js';

/** The metrics /metrics serves (a test scrapes it and checks each is there). */
export const DOCUMENTED_METRICS: ReadonlyArray<[name: string, meaning: string]> = [
  ['ledgerline_http_requests_total{method,route,status}', 'requests answered; `route` is the path of the route table (`unmatched` for anything else), so the label set stays small'],
  ['ledgerline_http_request_duration_seconds{method,route,status}', 'histogram of the time to answer (buckets 5 ms … 10 s)'],
  ['ledgerline_api_auth_failures_total{reason}', 'requests refused for their credentials: `missing`, `malformed`, `unknown`, `revoked`'],
  ['ledgerline_api_rate_limited_total', 'requests answered 429'],
  ['ledgerline_api_keys_active{role}', 'keys not revoked, per role'],
  ['ledgerline_dead_letters_total', 'input records refused with a reason (the `dead_letters` table)'],
  ['ledgerline_events_logged_total', 'events in the embedded event log'],
  ['ledgerline_alert_stream_clients', 'clients connected to `GET /api/v1/alerts/stream` (streams are not in the request histogram: they last as long as their client)'],
  ['ledgerline_alert_stream_events_total', 'alert events written to streams, one per event and client'],
  ['ledgerline_alert_stream_dropped_total', 'streams closed because their client fell more than 1 MiB behind (it resumes with Last-Event-ID)'],
  ['ledgerline_store_up', '1 when the store answered the scrape, 0 when not (the store metrics are then missing)'],
  ['ledgerline_metrics_collector_errors', 'collectors that failed during the scrape'],
  ['process_resident_memory_bytes, process_cpu_seconds_total, process_start_time_seconds, nodejs_heap_used_bytes', 'the process'],
];

function paramText(name: string, p: QueryParam): string {
  const type =
    p.type === 'string' ? (p.format === 'date-time' ? 'ISO-8601 instant' : p.enum ? p.enum.join(' \\| ') : 'string') : `${p.type} ${p.minimum}–${p.maximum}`;
  return `\`${name}\`${p.required ? ' (required)' : ''}: ${type}. ${p.description}`;
}

function endpointRow(r: Route): string {
  const cells = ROLES.map((role) => (r.access === 'public' ? 'public' : allowedRoles(r).includes(role) ? '✓' : ''));
  return `| \`${r.method.toUpperCase()} ${r.path}\` | ${cells.join(' | ')} |`;
}

function setting(name: keyof typeof ConfigSchema.properties): string {
  const s = ConfigSchema.properties[name] as { default?: unknown; description?: string };
  return `- \`${name}\` (default \`${String(s.default)}\`): ${s.description ?? ''}`;
}

export function apiDocText(): string {
  const routes: readonly Route[] = ROUTES;
  const out = [
    '# HTTP API',
    '',
    'Generated from `api/routes.ts` (the route table) and `config/config.ts` by `npm run gen`. The same table mounts the',
    'routes, generates the OpenAPI 3.1 document served at `GET /api/v1/openapi.json` and generates the security tests.',
    '',
    '## Authentication',
    '',
    'Every endpoint but the public ones needs an API key whose role may call it, sent as `Authorization: Bearer <key>`',
    '(or `X-API-Key: <key>`). A key looks like `llk_0123456789ab_…`: the first part is its public id (listed, logged,',
    'used to revoke it), the rest is 256 random bits. Only a SHA-256 of each key is stored; the key is shown once,',
    'when it is created. A key that is not valid gets 401 (`WWW-Authenticate: Bearer`); a revoked key gets 401 saying',
    'when it was revoked; a valid key whose role may not call the endpoint gets 403 naming the roles that may.',
    '',
    setting('LEDGERLINE_API_AUTH'),
    '',
    'So `npm install && npm start` serves on 127.0.0.1 and `curl 127.0.0.1:8787/api/v1/kpis` works as before, while an',
    'API listening on any other address (a container, a server: `LEDGERLINE_HOST=0.0.0.0`) refuses requests without a',
    'key. Behind a reverse proxy on the same machine, set `LEDGERLINE_API_AUTH=required`: a request relayed by a proxy',
    'that adds `Forwarded`/`X-Forwarded-For`/`X-Real-IP` is refused without a key anyway, but not every proxy adds them.',
    'A key that is sent is always checked, on loopback too, so roles can be tried locally.',
    '',
    '## Roles',
    '',
    '| role | may call |',
    '| --- | --- |',
    ...ROLES.map((r) => `| \`${r}\` | ${ROLE_DESCRIPTIONS[r]} |`),
    '',
    '## Endpoints',
    '',
    `| endpoint | ${ROLES.join(' | ')} |`,
    `| --- | ${ROLES.map(() => ':---:').join(' | ')} |`,
    ...routes.map(endpointRow),
    '',
  ];
  for (const r of routes) {
    out.push(`### \`${r.method.toUpperCase()} ${r.path}\``, '', r.summary, '');
    for (const [name, p] of Object.entries(r.pathParams ?? {})) out.push(`- path \`${name}\`: ${p.description}`);
    for (const [name, p] of Object.entries(r.query ?? {})) out.push(`- ${paramText(name, p)}`);
    if (r.body) {
      for (const [name, s] of Object.entries(r.body.properties)) {
        const schema = s as { description?: string; anyOf?: { const: string }[] };
        out.push(`- body \`${name}\`${(r.body.required as string[] | undefined)?.includes(name) ? ' (required)' : ''}: ${schema.anyOf ? `${schema.anyOf.map((x) => x.const).join(' \\| ')}. ` : ''}${schema.description ?? ''}`);
      }
    }
    out.push(`- ${r.response.status}: ${r.response.description}`, '');
  }
  out.push(
    '## Keys',
    '',
    '```sh',
    'npx ledgerline keys create --role buyer --name "buyer dashboard"   # prints {"id", "key", …} once',
    'npx ledgerline keys list                                           # never the key',
    'npx ledgerline keys revoke llk_0123456789ab',
    "curl -H 'Authorization: Bearer llk_…' 127.0.0.1:8787/api/v1/stockout-risk",
    '```',
    '',
    'The embedded store belongs to one process: while `ledgerline run` serves, manage keys through the API instead',
    '(an admin key, or from the machine itself under `LEDGERLINE_API_AUTH=auto`):',
    '',
    '```sh',
    "curl -X POST 127.0.0.1:8787/api/v1/keys -H 'Content-Type: application/json' -d '{\"role\": \"buyer\", \"name\": \"me\"}'",
    'curl -X DELETE 127.0.0.1:8787/api/v1/keys/llk_0123456789ab',
    '```',
    '',
    'With a ClickHouse server (`LEDGERLINE_STORE=clickhouse`) the CLI works beside the running API instances; each',
    'instance trusts what it knows of a key for at most 5 seconds, so a revocation applies everywhere within that.',
    'In docker compose: `docker compose run --rm --entrypoint "node dist/cli/main.js" api keys create --role admin --name me`.',
    '',
    '## Alerts',
    '',
    'buyer and finance read and act on the alerts their role owns (`owner_role`; docs/alerts.md says which rule gives',
    'an alert to whom), executive reads every alert and acts on none, admin does everything. An alert of another role',
    'answers 404, as one that does not exist, and `owner_role` set to another role in a list answers 403. Actions are',
    'recorded in the trail under the caller: `key:<key id>` (or `local` without a key on loopback). A refused action',
    'answers `{"error", "code"}`: 409 `invalid_transition` (acknowledging twice, resolving a closed alert), 404',
    '`not_found`, 400 `invalid_request` (a reason of blanks).',
    '',
    '```sh',
    "curl -H 'Authorization: Bearer llk_…' '127.0.0.1:8787/api/v1/alerts?status=open,acknowledged&limit=20'",
    "curl -X POST -H 'Authorization: Bearer llk_…' 127.0.0.1:8787/api/v1/alerts/stockout_risk-0123456789abcdef/ack",
    "curl -X POST -H 'Authorization: Bearer llk_…' -H 'Content-Type: application/json' -d '{\"resolution\": \"PO 4711 placed\"}' \\",
    '  127.0.0.1:8787/api/v1/alerts/stockout_risk-0123456789abcdef/resolve',
    "curl -N -H 'Authorization: Bearer llk_…' 127.0.0.1:8787/api/v1/alerts/stream             # live, until Ctrl-C",
    "curl -N -H 'Authorization: Bearer llk_…' -H 'Last-Event-ID: 1740000000000000' 127.0.0.1:8787/api/v1/alerts/stream",
    '```',
    '',
    'The stream sends each audit event once per client as `id: <seq>`, `event: <action>`, `data: {…, "alert": {…}}`, about a',
    'second after it is written (the poller stays that far behind the clock so that no insert still in flight is skipped),',
    'and `id: <position>` lines with the keep-alive comments every 15 s: a client that reconnects with the last id it saw',
    '(EventSource does) gets exactly what it missed, events of alerts not its own left out. A client that does not read',
    'falls behind; past 1 MiB waiting for it, it is disconnected rather than slowing the others, and resumes the same way.',
    'One poller per process reads the store (every 300 ms) for every client, and the alert list is served from the copy of',
    'the alerts table it keeps (within a second of the store; an action through this process is seen at once).',
    '',
    '## Validation and limits',
    '',
    '- Query parameters are checked against the table: an unknown or repeated parameter, a wrong type, a value out of',
    '  range or not among the choices gets 400 with what is accepted; so does a body that does not match its schema.',
    '- A body that is not JSON gets 400, a body sent as another content type 415, a body over the limit 413.',
    '- Each key (or, without a key, each client address) has a token bucket; over it, 429 with `Retry-After` (seconds).',
    '  Failed authentications count against the address, so guessing is throttled too.',
    '- A method a path does not take gets 405 with `Allow`; any other path 404.',
    '- Keys never reach the logs: the server does not log headers, and every log line (errors; with',
    '  `LEDGERLINE_LOG_LEVEL=debug`, one line per request) has anything shaped like a key, or following `Bearer`, and the',
    '  values of query parameters named like credentials replaced with `[redacted]`.',
    '',
    setting('LEDGERLINE_API_RATE_PER_SECOND'),
    setting('LEDGERLINE_API_RATE_BURST'),
    setting('LEDGERLINE_API_MAX_BODY_BYTES'),
    '',
    '## Metrics',
    '',
    '`GET /metrics` serves the Prometheus text format to the `monitoring` and `admin` roles (and, under',
    '`LEDGERLINE_API_AUTH=auto` on loopback, to a scraper on the same machine without a key). Give Prometheus a',
    '`monitoring` key (`authorization: {credentials_file: …}` in the scrape config): it can read nothing else.',
    '',
    ...DOCUMENTED_METRICS.map(([name, meaning]) => `- \`${name}\`: ${meaning}`),
    '',
  );
  return out.join('\n');
}
