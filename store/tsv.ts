import { ByteChunks } from './byte-chunks.js';
import type { Store } from './store.js';

/** TabSeparated escaping for one field: the only characters TSV gives meaning to. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function tsvField(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/** One value as a TabSeparated field: null as \\N, arrays as ClickHouse array literals. */
export function tsvValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return tsvField(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null || value === undefined) return '\\N';
      // An array is read as a literal straight from the stream: quoted elements, escaped inside the quotes.
      if (Array.isArray(value)) return `[${value.map((v) => `'${tsvField(String(v)).replace(/'/g, "\\'")}'`).join(',')}]`;
      throw new Error(`cannot write ${typeof value} to a TSV field`);
  }
}

/**
 * Accumulates rows of one table as TSV bytes, serializing each row when it is added: the row objects
 * die young instead of piling up until the write. Columns are the first row's keys; every row must
 * have the same keys.
 */
export class TsvRows {
  private columns: string[] | undefined;
  private readonly values: string[] = [];
  private out = new ByteChunks();

  add(row: object): void {
    const r = row as Record<string, unknown>;
    const columns = (this.columns ??= Object.keys(r));
    const values = this.values;
    for (let c = 0; c < columns.length; c++) values[c] = tsvValue(r[columns[c]!]);
    this.out.line(values.join('\t'));
  }

  /** The rows so far (to `release` once written), and starts empty again. */
  take(): { columns: string[]; rows: ByteChunks } {
    const taken = { columns: this.columns ?? [], rows: this.out };
    this.out = new ByteChunks();
    return taken;
  }

  /** Writes the rows so far into `table` and recycles their buffers; starts empty again. */
  async writeTo(store: Pick<Store, 'insertTsv'>, table: string): Promise<void> {
    const { columns, rows } = this.take();
    try {
      await store.insertTsv(table, columns, rows.chunks());
    } finally {
      rows.release();
    }
  }
}
