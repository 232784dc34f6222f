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

/** Rows of objects with the same keys as TSV (columns in the first row's key order). */
export function toTsv(rows: readonly object[]): { columns: string[]; tsv: Buffer } {
  const columns = Object.keys(rows[0] ?? {});
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    let line = '';
    for (let c = 0; c < columns.length; c++) line += (c ? '\t' : '') + tsvValue(row[columns[c]!]);
    lines[i] = line;
  }
  return { columns, tsv: Buffer.from(lines.join('\n') + '\n') };
}
