import { describe, expect, it } from 'vitest';
import { TsvRows, tsvField, tsvValue } from './tsv.js';

describe('TSV encoding', () => {
  it('escapes exactly the characters TabSeparated gives meaning to', () => {
    expect(tsvField('plain')).toBe('plain');
    expect(tsvField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
  });

  it('writes null, booleans, numbers and arrays as ClickHouse reads them', () => {
    expect(tsvValue(null)).toBe('\\N');
    expect(tsvValue(true)).toBe('true');
    expect(tsvValue(-1.5)).toBe('-1.5');
    expect(tsvValue(['vendor', "o'brien", 'tab\there'])).toBe("['vendor','o\\'brien','tab\\there']");
    const tsv = new TsvRows();
    for (const row of [{ a: 1, b: 'x' }, { a: 2, b: null }]) tsv.add(row);
    const { columns, rows } = tsv.take();
    expect(columns).toEqual(['a', 'b']);
    expect(Buffer.concat(rows.chunks()).toString()).toBe('1\tx\n2\t\\N\n');
  });
});

describe('sqlString', () => {
  it('quotes a literal so that quotes and backslashes stay data', async () => {
    const { sqlString } = await import('./sql.js');
    expect(sqlString("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
  });
});
