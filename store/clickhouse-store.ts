import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { Config } from '../config/config.js';
import type { Store } from './store.js';

/**
 * The oldest server the schema runs on: its newest need is ReplacingMergeTree(version, is_deleted)
 * (23.2). Developed and tested on ClickHouse 26.7 (chDB); older servers answer the transport only.
 */
export const MIN_SERVER_VERSION: readonly [number, number] = [23, 2];

export interface ClickHouseStoreOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  /** PEM files: the CA of the server certificate, and a client certificate and key for mutual TLS. */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  /** How long a statement is retried while the server is unreachable or overloaded (ms). */
  retryMs: number;
  /**
   * Another transport for the same client (`createChdbConnection` from `chdb/connection`: the
   * engine in this process): the tests run the schema and the queries through this class on chDB.
   */
  connection?: NonNullable<Parameters<typeof createClient>[0]>['connection'];
  /** Every statement with readonly = 2: writes and DDL are refused. */
  readonly?: boolean;
}

/** The connection was never made: the statement did not reach the server, so any statement may be sent again. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** The connection broke mid-request: the statement may have run. Reads and inserts (into tables that deduplicate) may be sent again. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** ClickHouse refused for load, not for the statement: too many simultaneous queries (202), too many parts (252). */
const OVERLOADED = new Set(['202', '252']);

/**
 * Whether a failed statement may be sent again. Timeouts are not retried: the server may still be
 * running the first copy (raise the request timeout instead); statements that change the schema are
 * retried only when they surely did not reach the server.
 */
function retryable(e: unknown, idempotent: boolean): boolean {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? (/\b(ECONNREFUSED|ECONNRESET|EPIPE)\b/.exec(err.message ?? '')?.[1] ?? '');
  if (NOT_CONNECTED.has(code)) return true;
  if (!idempotent) return false;
  return CONNECTION_LOST.has(code) || OVERLOADED.has(code) || /socket hang up|503 Service Unavailable|502 Bad Gateway/i.test(err.message ?? '');
}

/** Long enough for the heaviest statement (a migration's mutation, a KPI over years); the server's own limits apply. */
const REQUEST_TIMEOUT_MS = 600_000;

/** A ClickHouse error that names the server, the user and, for the usual mistakes, what to change. */
export class ClickHouseStoreError extends Error {
  override name = 'ClickHouseStoreError';
}

/**
 * A ClickHouse server (or cluster node) over HTTP(S) with `@clickhouse/client`: the store of the
 * distributed mode, with the same schema and queries as chDB. Statements are retried with
 * exponential backoff while the server is unreachable, for up to `retryMs`; callers wait meanwhile,
 * and the pipeline writes one commit at a time, so nothing piles up beyond one commit's rows. A
 * retried insert whose first attempt did land sends the same rows twice: the processors' tables
 * absorb that (they deduplicate by key and version), and the append-only logs (alert_events,
 * webhook_deliveries, model_events) recognise the identical block (migration 014).
 */
export class ClickHouseStore implements Store {
  /** Major and minor version of the server. */
  serverVersion: readonly [number, number] = [0, 0];
  /** Sent with every statement (to a server too old for the schema, only readonly: it would refuse the others). */
  private settings: ClickHouseSettings = {};

  private constructor(
    private readonly client: ClickHouseClient,
    private readonly where: string,
    private readonly retryMs: number,
  ) {}

  /** `readonly`: every statement runs with readonly = 2 (writes and DDL refused, settings allowed). */
  static fromConfig(config: Config, opts: { readonly?: boolean } = {}): Promise<ClickHouseStore> {
    if (!config.LEDGERLINE_CLICKHOUSE_TLS_CA_FILE && (config.LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE || config.LEDGERLINE_CLICKHOUSE_TLS_KEY_FILE)) {
      throw new ClickHouseStoreError('a client certificate (LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE/_KEY_FILE) needs the CA of the server too: set LEDGERLINE_CLICKHOUSE_TLS_CA_FILE');
    }
    const tls = config.LEDGERLINE_CLICKHOUSE_TLS_CA_FILE
      ? { caFile: config.LEDGERLINE_CLICKHOUSE_TLS_CA_FILE, certFile: config.LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE || undefined, keyFile: config.LEDGERLINE_CLICKHOUSE_TLS_KEY_FILE || undefined }
      : undefined;
    return ClickHouseStore.connect({
      url: config.LEDGERLINE_CLICKHOUSE_URL,
      username: config.LEDGERLINE_CLICKHOUSE_USER,
      password: config.LEDGERLINE_CLICKHOUSE_PASSWORD,
      database: config.LEDGERLINE_CLICKHOUSE_DATABASE,
      tls,
      retryMs: config.LEDGERLINE_CLICKHOUSE_RETRY_SECONDS * 1000,
      readonly: opts.readonly,
    });
  }

  /** Connects (retrying while the server is unreachable) and learns the server's version. */
  static async connect(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const where = `ClickHouse at ${options.url} (user ${options.username}, database ${options.database})`;
    const read = (path: string, what: string) => {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new ClickHouseStoreError(`cannot read the ${what} ${path} for ${where}: ${(e as Error).message}`);
      }
    };
    if (options.tls && Boolean(options.tls.certFile) !== Boolean(options.tls.keyFile)) {
      throw new ClickHouseStoreError(`mutual TLS for ${where} needs both LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE and LEDGERLINE_CLICKHOUSE_TLS_KEY_FILE`);
    }
    const tls = options.tls && {
      ca_cert: read(options.tls.caFile, 'TLS CA file (LEDGERLINE_CLICKHOUSE_TLS_CA_FILE)'),
      ...(options.tls.certFile && options.tls.keyFile
        ? { cert: read(options.tls.certFile, 'TLS certificate (LEDGERLINE_CLICKHOUSE_TLS_CERT_FILE)'), key: read(options.tls.keyFile, 'TLS key (LEDGERLINE_CLICKHOUSE_TLS_KEY_FILE)') }
        : {}),
    };
    const client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      tls,
      request_timeout: REQUEST_TIMEOUT_MS,
      connection: options.connection,
      // Errors are thrown to the caller, with context; the client's own logging would print each twice.
      log: { level: ClickHouseLogLevel.OFF },
    });
    // The version first, with no settings: an old server refuses the ones it does not know.
    const store = new ClickHouseStore(client, where, options.retryMs);
    try {
      const [row] = await store.query<{ version: string }>('SELECT version() AS version');
      const [major = 0, minor = 0] = (row?.version ?? '').split('.').map(Number);
      store.serverVersion = [major, minor];
    } catch (e) {
      await client.close();
      throw e;
    }
    if (store.supportsSchema()) {
      // As chDB is set up: 64-bit counters (offsets, positions) stay below 2^53 and come back as
      // JSON numbers; instants are read in any ISO form and written as ISO.
      store.settings = { output_format_json_quote_64bit_integers: 0, date_time_input_format: 'best_effort', date_time_output_format: 'iso' };
    }
    if (options.readonly) store.settings = { ...store.settings, readonly: '2' };
    return store;
  }

  private supportsSchema(): boolean {
    const [major, minor] = this.serverVersion;
    return major > MIN_SERVER_VERSION[0] || (major === MIN_SERVER_VERSION[0] && minor >= MIN_SERVER_VERSION[1]);
  }

  /** Throws unless the server can hold Ledgerline's schema. */
  requireSchemaSupport(): void {
    if (this.supportsSchema()) return;
    const [major, minor] = this.serverVersion;
    const [needMajor, needMinor] = MIN_SERVER_VERSION;
    throw new ClickHouseStoreError(
      `${this.where} runs ClickHouse ${major}.${minor}; Ledgerline's schema needs ${needMajor}.${needMinor} or newer ` +
        '(ReplacingMergeTree with is_deleted, DateTime64, query parameters). Upgrade the server, or use the embedded store (LEDGERLINE_STORE=embedded).',
    );
  }

  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    await this.retry(`insert into ${table}`, () => this.client.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: this.settings }));
  }

  async insertTsv(table: string, columns: readonly string[], tsv: Buffer | readonly Buffer[]): Promise<void> {
    const parts = Buffer.isBuffer(tsv) ? [tsv] : tsv;
    if (parts.every((b) => b.length === 0)) return;
    // A stream per attempt: a retry sends the same bytes again.
    await this.retry(`insert into ${table}`, () =>
      this.client.insert({ table, values: Readable.from(parts, { objectMode: false }), format: 'TabSeparated', columns: columns as [string, ...string[]], clickhouse_settings: this.settings }),
    );
  }

  async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.retry('query', async () => {
      const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: this.settings });
      return result.json<T>();
    });
  }

  async *queryChunks<T>(sql: string, params?: Record<string, unknown>): AsyncIterable<T[]> {
    const result = await this.retry('query', () => this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: this.settings }));
    try {
      for await (const rows of result.stream<T>()) {
        if (rows.length) yield rows.map((r) => r.json<T>());
      }
    } catch (e) {
      throw this.explain('query', e);
    }
  }

  async command(sql: string): Promise<void> {
    await this.retry('statement', () => this.client.command({ query: sql, clickhouse_settings: this.settings }), false);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Runs `attempt` until it succeeds, fails for a reason a retry cannot fix (see `retryable`), or `retryMs` is over. */
  private async retry<T>(what: string, attempt: () => Promise<T>, idempotent = true): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await attempt();
      } catch (e) {
        if (!retryable(e, idempotent)) throw this.explain(what, e);
        const left = deadline - Date.now();
        if (left <= 0) throw this.explain(what, e, `still failing after ${Math.round(this.retryMs / 1000)} s of retries (LEDGERLINE_CLICKHOUSE_RETRY_SECONDS); is the server up and LEDGERLINE_CLICKHOUSE_URL right?`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
      }
    }
  }

  private explain(what: string, e: unknown, hint?: string): ClickHouseStoreError {
    const err = e as { code?: string; message?: string };
    const message = (err.message ?? String(e)).trim();
    const auth = err.code === '516' || err.code === '192' || err.code === '193' || /Authentication failed|Wrong password|Unknown user/i.test(message);
    const advice = hint ?? (auth ? 'check LEDGERLINE_CLICKHOUSE_USER and LEDGERLINE_CLICKHOUSE_PASSWORD.' : undefined);
    return new ClickHouseStoreError(`${what} failed on ${this.where}: ${message}${advice ? ` — ${advice}` : ''}`, { cause: e });
  }
}
