import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { StoreLockedError, type Store } from './store.js';

/**
 * chDB: the ClickHouse engine inside this process. Only the async calls are used (the sync ones
 * block the event loop for the whole query). One process may open a data directory at a time.
 */
export class ChdbStore implements Store {
  private constructor(private readonly session: Session, readonly dataDir: string) {}

  /** Opens (and creates) a data directory; `readonly` refuses every write for this session's life. */
  static async open(dataDir: string, opts: { readonly?: boolean } = {}): Promise<ChdbStore> {
    const path = resolve(dataDir);
    mkdirSync(path, { recursive: true });
    try {
      const session = new Session(path, {
        connectionArgs: [
          // 64-bit counters (offsets, positions) stay below 2^53: numbers, not strings, in JSON.
          '--output_format_json_quote_64bit_integers=0',
          '--date_time_input_format=best_effort',
          '--date_time_output_format=iso',
        ],
      });
      const store = new ChdbStore(session, path);
      if (opts.readonly) await store.command('SET readonly = 1');
      return store;
    } catch (e) {
      const message = (e as Error).message;
      if (message.includes('Cannot lock file')) {
        throw new StoreLockedError(
          `the data directory ${path} is in use by another Ledgerline process (chDB allows one process per directory). ` +
            'Stop that process, or give this command another --data-dir (or LEDGERLINE_DATA_DIR). ' +
            'To read while `ledgerline run` is serving, use its HTTP API.',
        );
      }
      throw e;
    }
  }

  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) text += `${JSON.stringify(row)}\n`;
    await this.session.insert({ table, values: Buffer.from(text), format: 'JSONEachRow' });
  }

  /** Fastest path for preformatted TabSeparated rows (the event log append). */
  async insertTsv(table: string, columns: readonly string[], tsv: Buffer): Promise<void> {
    if (tsv.length === 0) return;
    await this.session.insert({ table, values: tsv, format: 'TSV', columns });
  }

  async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = params
      ? await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
      : await this.session.queryAsync(sql, { format: 'JSONEachRow' });
    const text = result.text();
    if (!text) return [];
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as T);
  }

  async *queryChunks<T>(sql: string, params?: Record<string, unknown>): AsyncIterable<T[]> {
    const stream = params
      ? this.session.queryStreamBind(sql, params, { format: 'JSONEachRow' })
      : this.session.queryStream(sql, { format: 'JSONEachRow' });
    for await (const chunk of stream) {
      const rows = chunk.rows<T>();
      if (rows.length) yield rows;
    }
  }

  async command(sql: string): Promise<void> {
    await this.session.queryAsync(sql, { format: 'TSV' });
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
