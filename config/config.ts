/**
 * Configuration: read once from the environment (and `.env` via dotenv), validated, then passed
 * down as a typed object. `.env.example` lists every setting with its default; a test keeps the two
 * in step.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import dotenv from 'dotenv';

const Int = (min: number, max: number, def: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: def, description });

export const ConfigSchema = Type.Object({
  LEDGERLINE_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Embedded store (chDB) data directory. One process at a time.' }),
  LEDGERLINE_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the HTTP API listens on.' }),
  LEDGERLINE_PORT: Int(0, 65535, 8787, 'Port of the HTTP API (0 picks a free port).'),
  LEDGERLINE_API_AUTH: Type.Union([Type.Literal('auto'), Type.Literal('required')], {
    default: 'auto',
    description:
      'API keys. auto: required unless the API listens on a loopback LEDGERLINE_HOST, where a request from the machine itself without a key (and not relayed by a proxy) acts as admin; a key that is sent is always checked. required: every endpoint but /health and /api/v1/openapi.json needs a key, on any address (set it when a reverse proxy on this machine forwards to the API).',
  }),
  LEDGERLINE_API_RATE_PER_SECOND: Type.Number({ minimum: 0, maximum: 1_000_000, default: 50, description: 'Requests per second each API key (or, without a key, each client address) may make on average; more get 429 with Retry-After (0: no limit).' }),
  LEDGERLINE_API_RATE_BURST: Int(1, 1_000_000, 100, 'Requests a key may make at once above LEDGERLINE_API_RATE_PER_SECOND before it is limited (a dashboard loading many panels).'),
  LEDGERLINE_API_MAX_BODY_BYTES: Int(1024, 16 << 20, 64 << 10, 'Largest accepted request body; larger ones get 413.'),
  LEDGERLINE_BATCH_EVENTS: Int(100, 1_000_000, 100_000, 'Events per event-log write (one engine insert and one source checkpoint); larger means fewer parts for the engine to merge.'),
  LEDGERLINE_COMMIT_MS: Int(10, 600_000, 2_000, 'How often processors write their outputs and commit their positions (at the latest; also after 200k output rows): how far the store may lag behind the stream.'),
  LEDGERLINE_BUS_PARTITIONS: Int(1, 1024, 8, 'Partitions of the bus (keys are hashed onto them): the embedded one, and the Kafka events topic, which is created with them.'),
  LEDGERLINE_BUS_CAPACITY: Int(1, 10_000_000, 10_000, 'Records the embedded bus buffers before publishers wait (backpressure). Small keeps events short-lived: cheaper garbage collection.'),
  LEDGERLINE_PROCESSOR_THREADS: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 0, maximum: 64 })], {
    default: 'auto',
    description:
      'Worker threads the embedded mode runs its processors on (each owns some bus partitions), beside the thread that reads, validates and logs the input; 0: all in one thread. auto: none on 2 cores or fewer (there the engine and the garbage collector already keep the second core busy: a thread gained ~20% events/s for ~400 MB more memory), else cores − 2, at most 4.',
  }),
  LEDGERLINE_MAX_RECORD_BYTES: Int(1024, 1 << 30, 1 << 20, 'Longest accepted input line; longer lines are dead-lettered.'),
  LEDGERLINE_DEAD_LETTER_RAW_BYTES: Int(256, 16 << 20, 64 << 10, 'How much of a bad record the dead-letter table keeps (the full size and a hash are kept too).'),
  LEDGERLINE_EMERGENCY_PURCHASE_DAYS: Type.Number({
    minimum: 0,
    maximum: 365,
    default: 3,
    description: 'KPI emergency_purchase_ratio: a purchase line planned to arrive less than this many days after it was ordered was placed inside the lead time.',
  }),
  LEDGERLINE_COUNT_TOLERANCE_UNITS: Type.Number({
    minimum: 0,
    maximum: 1e9,
    default: 0,
    description: 'KPI inventory_accuracy: a count within this many units of the system quantity is accurate (see also _PERCENT; either suffices).',
  }),
  LEDGERLINE_COUNT_TOLERANCE_PERCENT: Type.Number({
    minimum: 0,
    maximum: 100,
    default: 0,
    description: 'KPI inventory_accuracy: a count within this percentage of the system quantity is accurate.',
  }),
  LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT: Type.Number({
    minimum: 0,
    maximum: 100,
    default: 0,
    description: 'KPI three_way_match_exceptions: a bill unit price within this percentage of the purchase order price matches.',
  }),
  LEDGERLINE_STORE: Type.Union([Type.Literal('embedded'), Type.Literal('clickhouse')], {
    default: 'embedded',
    description: 'Where results live: embedded (chDB in the process, LEDGERLINE_DATA_DIR) or clickhouse (a ClickHouse server, LEDGERLINE_CLICKHOUSE_*).',
  }),
  LEDGERLINE_CLICKHOUSE_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8123', description: 'ClickHouse server HTTP(S) URL (LEDGERLINE_STORE=clickhouse).' }),
  LEDGERLINE_CLICKHOUSE_USER: Type.String({ minLength: 1, default: 'default', description: 'ClickHouse user.' }),
  LEDGERLINE_CLICKHOUSE_PASSWORD: Type.String({ default: '', description: 'ClickHouse password.' }),
  LEDGERLINE_CLICKHOUSE_DATABASE: Type.String({ minLength: 1, default: 'default', description: 'ClickHouse database holding the Ledgerline tables (it must exist).' }),
  LEDGERLINE_CLICKHOUSE_TLS_CA_FILE: Type.String({ default: '', description: 'PEM file of the CA that signed the server certificate (https URLs with a private CA).' }),
  LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE: Type.String({ default: '', description: 'PEM client certificate for mutual TLS (with _TLS_KEY_FILE and _TLS_CA_FILE).' }),
  LEDGERLINE_CLICKHOUSE_TLS_KEY_FILE: Type.String({ default: '', description: 'PEM private key of the client certificate.' }),
  LEDGERLINE_CLICKHOUSE_RETRY_SECONDS: Int(0, 86_400, 300, 'How long a statement is retried (with backoff) while the ClickHouse server is unreachable or overloaded before the process fails; meanwhile the pipeline waits.'),
  LEDGERLINE_KAFKA_BROKERS: Type.String({ minLength: 1, default: '127.0.0.1:9092', description: 'Kafka bootstrap brokers, host:port, comma-separated (ledgerline ingest / process).' }),
  LEDGERLINE_KAFKA_TOPIC_PREFIX: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$', default: 'erp', description: 'Topics are <prefix>.events (created with LEDGERLINE_BUS_PARTITIONS partitions) and <prefix>.events.dlq (dead letters).' }),
  LEDGERLINE_KAFKA_REPLICATION: Int(1, 16, 1, 'Replication factor of the topics Ledgerline creates (3 on a production cluster).'),
  LEDGERLINE_KAFKA_GROUP: Type.String({ minLength: 1, default: 'ledgerline-processors', description: 'Consumer group of the processor instances (ledgerline process): they share the partitions.' }),
  LEDGERLINE_KAFKA_REBALANCE_SECONDS: Int(10, 3_600, 300, 'How long the group waits for a processor instance to rejoin a rebalance. An instance restores its partitions\' state from the store at each assignment and rejoins after that: this must exceed the restore time, or the group drops the instance mid-restore and rebalances again (npm run bench:poll prints a restore time: standing_open_ms).'),
  LEDGERLINE_KAFKA_CLIENT_ID: Type.String({ minLength: 1, default: 'ledgerline', description: 'Kafka client id (shows in broker logs and metrics).' }),
  LEDGERLINE_MODEL_DIR: Type.String({ minLength: 1, default: './model-artifacts', description: 'Directory of the model registry\'s files (trained weights), one folder per model version; the versions themselves are in the store.' }),
  LEDGERLINE_SCORING_MINUTES: Int(0, 10_080, 60, 'How often a running `run` or `api` forecasts demand and scores stockout risk with the promoted model (0: never; `ledgerline models score` runs it once). A newly promoted model is used from the next run.'),
  LEDGERLINE_RISK_HORIZON_DAYS: Int(1, 90, 7, 'Stockout risk horizon: the probability of a stockout within this many days.'),
  LEDGERLINE_ALERT_STOCKOUT_RISK: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'Alert stockout_risk: a SKU-warehouse whose stockout risk (latest scoring) is at least this.' }),
  LEDGERLINE_ALERT_ADJUSTMENT_SCORE: Type.Number({ minimum: 0, maximum: 1, default: 0.8, description: 'Alert anomalous_adjustment: an inventory adjustment whose anomaly score (the learned combined score where the promoted model scored it, else the robust one) is at least this.' }),
  LEDGERLINE_ALERT_PURCHASE_SCORE: Type.Number({ minimum: 0, maximum: 1, default: 0.35, description: 'Alert purchase_anomaly: a purchase order line whose anomaly score is at least this (0.35: about a price 3× away from the unit cost of a SKU without price history; a duplicate scores 0.86).' }),
  LEDGERLINE_ALERT_LATE_SUPPLIER_DAYS: Int(0, 365, 0, 'Alert late_supplier: an open purchase line more than this many days past its planned day (0: as soon as the planned day is over).'),
  LEDGERLINE_ALERT_DEAD_LETTER_SURGE: Int(1, 1_000_000_000, 100, 'Alert dead_letter_surge: this many dead letters or more from one source within the window.'),
  LEDGERLINE_ALERT_DEAD_LETTER_WINDOW_MINUTES: Int(1, 10_080, 60, 'Alert dead_letter_surge: the window, in minutes before the evaluation (wall clock).'),
  LEDGERLINE_ALERT_MAX_AGE_DAYS: Int(0, 36_500, 30, 'Alerts about a document (an adjustment, a purchase or bill line) older than this many days before the latest event time are not opened (0: any age), so a first evaluation over years of history does not bury the current ones.'),
  LEDGERLINE_ALERT_AUTO_RESOLVE: Type.Boolean({ default: true, description: 'Resolve an alert by itself when its condition clears (a risk that fell, a line received); false leaves every alert for a person to close.' }),
  LEDGERLINE_ALERT_KEEP_OPEN: Type.String({ default: '', description: 'Alert kinds, comma-separated, never auto-resolved even with LEDGERLINE_ALERT_AUTO_RESOLVE (e.g. anomalous_adjustment,bill_mismatch).' }),
  LEDGERLINE_ALERT_OTIF_TARGET: Type.Number({ minimum: 0, maximum: 1, default: 0.95, description: 'Alert otif_breach: a warehouse whose customer OTIF (lines, the otif_line KPI) over the service window is below this.' }),
  LEDGERLINE_ALERT_FILL_RATE_TARGET: Type.Number({ minimum: 0, maximum: 1, default: 0.95, description: 'Alert fill_rate_breach: a warehouse whose line fill rate (the fill_rate_line KPI) over the service window is below this.' }),
  LEDGERLINE_ALERT_SERVICE_WINDOW_DAYS: Int(1, 365, 28, 'Alerts otif_breach and fill_rate_breach: the trailing window, in whole days before the day of the latest event time.'),
  LEDGERLINE_ALERT_SERVICE_MIN_LINES: Int(1, 1_000_000, 20, 'Alerts otif_breach and fill_rate_breach: a warehouse with fewer lines judged in the window is not judged (a rate over a handful of lines is noise).'),
  LEDGERLINE_ALERT_DRIFT_WINDOW_DAYS: Int(1, 3650, 90, 'Alert stock_drift: the trailing window of counts, in days before the latest event time.'),
  LEDGERLINE_ALERT_DRIFT_VARIANCES: Int(2, 1000, 2, 'Alert stock_drift: a SKU at a location whose counts in the window found the system quantity off (beyond the count tolerance) at least this many times.'),
  LEDGERLINE_ALERT_RULES_FILE: Type.String({ default: '', description: 'A JSON file of alert thresholds per company, warehouse and product category overriding the LEDGERLINE_ALERT_* defaults; the most specific match wins (format: docs/alerts.md). Empty: the defaults everywhere.' }),
  LEDGERLINE_WEBHOOK_URLS: Type.String({ default: '', description: 'Outgoing webhooks: http(s) URLs, comma-separated, each sent every alert event (opened, acknowledged, resolved…) as a signed JSON POST by `run` and `api` (empty: none). See docs/webhooks.md.' }),
  LEDGERLINE_WEBHOOK_SECRET: Type.String({ default: '', description: 'Key of the HMAC-SHA256 signature of every webhook (X-Ledgerline-Signature); required, at least 16 characters, when LEDGERLINE_WEBHOOK_URLS is set (e.g. `openssl rand -hex 32`). Never logged.' }),
  LEDGERLINE_WEBHOOK_KINDS: Type.String({ default: '', description: 'Alert kinds, comma-separated, whose events the webhooks send (empty: every kind).' }),
  LEDGERLINE_WEBHOOK_TIMEOUT_SECONDS: Int(1, 300, 10, 'How long a webhook endpoint has to answer one delivery attempt before it counts as failed.'),
  LEDGERLINE_WEBHOOK_MAX_ATTEMPTS: Int(1, 100, 8, 'Attempts per event and endpoint (backoff 1 s, 2 s, 4 s… up to 5 min between them, with jitter) before the delivery is marked failed and the next event is sent.'),
  LEDGERLINE_DASHBOARDS_MINUTES: Int(0, 10_080, 60, 'A serving `run`, `odoo` or `debezium` builds the Evidence dashboards once the data is scored, then again every this many minutes, in child processes beside the API (0: never; `ledgerline dashboards build` builds them once). Needs `npm run dashboards:install`; see docs/dashboards.md.'),
  LEDGERLINE_DASHBOARDS_ROLE: Type.Union(
    (['executive', 'buyer', 'finance', 'data_scientist', 'monitoring', 'admin'] as const).map((r) => Type.Literal(r)),
    { default: 'executive', description: 'The API key role that may open the dashboards under /dashboards (admin always may).' },
  ),
  LEDGERLINE_LOG_LEVEL: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], {
    default: 'info',
    description: 'Log level (logs go to stderr).',
  }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Builds the config from an environment (default: `.env` + `process.env`); throws ConfigError listing every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = readEnv(), overrides: Partial<Config> = {}): Config {
  const known = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  const unknown = Object.keys(env).filter((k) => k.startsWith('LEDGERLINE_') && !known.includes(k));
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<string, unknown>;
  const merged = { ...withDefaults, ...overrides };
  const problems = [...Value.Errors(ConfigSchema, merged)].map(
    (e) => `${e.path.slice(1)}=${JSON.stringify(e.value)}: ${e.message} (${(e.schema as { description?: string }).description ?? ''})`,
  );
  problems.push(...unknown.map((k) => `${k}: unknown setting (known: ${known.join(', ')})`));
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}\nSee .env.example for every setting and its default.`);
  return merged as Config;
}

function readEnv(): Record<string, string | undefined> {
  dotenv.config({ quiet: true });
  return process.env;
}

/** `.env.example` text generated from the schema (kept in the repo; a test checks it matches). */
export function envExample(): string {
  const lines = ['# Ledgerline settings: every one, with its default. Copy to .env to change them.', ''];
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const s = schema as { description?: string; default?: unknown };
    lines.push(`# ${s.description ?? ''}`, `${key}=${String(s.default)}`, '');
  }
  return lines.join('\n');
}
