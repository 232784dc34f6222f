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
 * Accumulates rows of one table as TSV text, serializing each row when it is added: the row objects
 * die young instead of piling up until the write (which made them survive into the old generation).
 * Columns are the first row's keys; every row must have the same keys.
 */
export class TsvRows {
  private columns: string[] | undefined;
  private lines: string[] = [];
  /** Lines already packed into buffers (off the JS heap) in groups of LINES_PER_CHUNK. */
  private chunks: Buffer[] = [];

  add(row: object): void {
    const r = row as Record<string, unknown>;
    const columns = (this.columns ??= Object.keys(r));
    let line = '';
    for (let c = 0; c < columns.length; c++) line += (c ? '\t' : '') + tsvValue(r[columns[c]!]);
    this.lines.push(line);
    if (this.lines.length >= LINES_PER_CHUNK) this.pack();
  }

  /** The rows so far, and starts empty again. */
  take(): { columns: string[]; tsv: Buffer } {
    this.pack();
    const taken = { columns: this.columns ?? [], tsv: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks) };
    this.chunks = [];
    return taken;
  }

  private pack(): void {
    if (this.lines.length) this.chunks.push(Buffer.from(this.lines.join('\n') + '\n'));
    this.lines = [];
  }
}

const LINES_PER_CHUNK = 2048;

/** Rows of objects with the same keys as TSV (columns in the first row's key order). */
export function toTsv(rows: readonly object[]): { columns: string[]; tsv: Buffer } {
  const out = new TsvRows();
  for (const row of rows) out.add(row);
  return out.take();
}
