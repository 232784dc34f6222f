/**
 * The store: ClickHouse SQL over some engine (chDB in-process here; a ClickHouse server in
 * distributed mode). Writers hand it rows; readers run SQL. Tables are idempotent by design (see the
 * migrations), so writing the same rows twice changes nothing visible through FINAL or the queries.
 */
export interface Store {
  /** Appends rows (objects with the table's column names; timestamps as ISO strings with ms). */
  insert(table: string, rows: readonly object[]): Promise<void>;
  /** Appends rows already in TabSeparated form (see `TsvRows`). */
  insertTsv(table: string, columns: readonly string[], tsv: Buffer | readonly Buffer[]): Promise<void>;
  /** Runs a read query; `{name:Type}` placeholders are bound from `params` by the engine. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Streams a read query's rows in chunks (for results too large to hold). No other statement may run meanwhile (chDB ends the stream). */
  queryChunks<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): AsyncIterable<T[]>;
  /** Runs a statement (DDL, TRUNCATE, OPTIMIZE). */
  command(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The data directory belongs to another running process. */
export class StoreLockedError extends Error {}
