/**
 * The dashboards' way into the store: a read-only SQL reader that speaks enough of the ClickHouse
 * HTTP interface for @clickhouse/client (the dashboards' source connector) — `GET /ping` and
 * `POST /` with the query in the body and `FORMAT JSONCompactEachRowWithNamesAndTypes`.
 *
 * Why a private listener and not a route of the API: in the embedded mode the chDB data directory
 * belongs to the engine's process, so the dashboards' sources must read through it; a reader on
 * 127.0.0.1 (a free port) that lives only while a build runs, and accepts only the random token
 * handed to that build, works whatever LEDGERLINE_API_AUTH says, needs no API key to be created,
 * and adds nothing to the public API. Every query runs with `readonly = 1` (no writes, no DDL, no
 * file()/url() table functions) whichever store is behind it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Store } from '../store/store.js';

export interface DashboardsReader {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The bearer token a caller must send. */
  readonly token: string;
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** Largest result a query may return (rows); more is refused, not truncated. */
  maxRows: number;
  /** Largest query text (bytes). */
  maxQueryBytes: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = { maxRows: 2_000_000, maxQueryBytes: 1 << 20 };

const FORMAT = 'JSONCompactEachRowWithNamesAndTypes';

/** A refusal the client shows as it is (ClickHouse's own error text is free-form too). */
class ReaderError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The query without the FORMAT clause @clickhouse/client appends; only the one format the connector reads is served. */
export function readerQuery(text: string): string {
  const m = /\s+FORMAT\s+([A-Za-z]+)\s*;?\s*$/i.exec(text);
  if (!m) throw new ReaderError(400, `the query must end with FORMAT ${FORMAT} (the dashboards' connector adds it)`);
  if (m[1] !== FORMAT) throw new ReaderError(400, `FORMAT ${m[1]} is not served: only ${FORMAT}`);
  const sql = text.slice(0, m.index).trim().replace(/;\s*$/, '');
  if (sql === '') throw new ReaderError(400, 'the query is empty');
  // The query is wrapped in a subquery whose settings say readonly = 1: one that tries to close the
  // wrapper and change that setting is refused outright rather than left to the parser.
  if (/readonly/i.test(sql)) throw new ReaderError(400, 'the query may not mention readonly: every query runs with readonly = 1');
  return sql;
}

/** Runs one query read-only; the answer is the JSONCompactEachRowWithNamesAndTypes text, one line per row. */
export async function runReadOnly(store: Store, sql: string, maxRows: number): Promise<string[]> {
  const settings = `SETTINGS readonly = 1, max_result_rows = ${maxRows}, result_overflow_mode = 'throw'`;
  const columns = await store.query<{ name: string; type: string }>(`DESCRIBE TABLE (\n${sql}\n) SETTINGS readonly = 1`);
  // Buffered, not streamed: in the embedded store a stream ends when another statement runs, and the
  // engine keeps serving and scoring meanwhile. Dashboard queries are aggregates; max_rows bounds them.
  const rows = await store.query<Record<string, unknown>>(`SELECT * FROM (\n${sql}\n) ${settings}`);
  const lines = [JSON.stringify(columns.map((c) => c.name)), JSON.stringify(columns.map((c) => c.type))];
  for (const row of rows) lines.push(JSON.stringify(columns.map((c) => row[c.name] ?? null)));
  return lines;
}

function sameToken(sent: string | undefined, token: Buffer): boolean {
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(sent ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  return got.length === token.length && timingSafeEqual(got, token);
}

/** Starts a reader over `store` on 127.0.0.1 (a free port) with a fresh token; close it when the build is over. */
export async function startDashboardsReader(store: Store, options: Partial<ReaderOptions> = {}): Promise<DashboardsReader> {
  const o = { ...DEFAULT_READER_OPTIONS, ...options };
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(token);
  const app = express();
  app.disable('x-powered-by');
  app.get('/ping', (_req, res) => {
    res.type('text/plain').send('Ok.\n');
  });
  app.post('/', express.text({ type: () => true, limit: o.maxQueryBytes }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (!sameToken(req.get('authorization'), expected)) throw new ReaderError(401, 'the dashboards reader needs the token of the build it was started for (Authorization: Bearer)');
      const text = typeof req.body === 'string' && req.body !== '' ? req.body : String(req.query.query ?? '');
      const lines = await runReadOnly(store, readerQuery(text), o.maxRows);
      res.type('application/x-ndjson').send(lines.length ? `${lines.join('\n')}\n` : '');
    } catch (e) {
      next(e);
    }
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof ReaderError ? err.status : (err as { status?: number }).status === 413 ? 413 : 400;
    // The engine's message (syntax error, unknown column, readonly refusal) is what the dashboard author needs.
    res.status(status).type('text/plain').send(`ledgerline dashboards reader: ${(err as Error).message}\n`);
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
