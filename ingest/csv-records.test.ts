import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { readCsvRecords, type CsvRecord } from './csv-records.js';

async function read(path: string, opts: { from?: number; chunkBytes?: number; maxRecordBytes?: number; delimiter?: string } = {}): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const group of readCsvRecords(path, { from: opts.from ?? 0, delimiter: opts.delimiter ?? ',', maxRecordBytes: opts.maxRecordBytes ?? 1 << 20, keepBytes: 64, recordsPerYield: 3, chunkBytes: opts.chunkBytes })) out.push(...group);
  return out;
}

const TRICKY = [
  'Ref,Name,Qty,Note',
  'MV-1,"Bolt, hex M8",12,plain',
  'MV-2,"He said ""ok""",3,"multi',
  'line note"',
  'MV-3,5" bolt,4,',
  '',
  'MV-4,Écrou à œil,1,"trailing ""q"""',
  'MV-5,,,',
].join('\r\n');

describe('readCsvRecords', () => {
  it('parses quoted fields (delimiters, doubled quotes, line breaks), literal quotes, CRLF and empty cells like csv-parse does', async () => {
    const dir = tempDir('csv-records');
    const path = join(dir, 'a.csv');
    writeFileSync(path, `\uFEFF${TRICKY}\r\n`);
    const want = parse(`${TRICKY}\r\n`, { relax_quotes: true, skip_empty_lines: true }) as string[][];
    const records = await read(path);
    expect(records.map((r) => r.cells)).toEqual(want);
    expect(records[2]!.cells![3]).toBe('multi\r\nline note');
    // Every chunk size gives the same records and byte ranges (records cross chunk boundaries).
    for (const chunkBytes of [1, 2, 7, 64]) expect(await read(path, { chunkBytes })).toEqual(records);
  });

  it('gives byte ranges a reader can resume from, also after multi-byte characters and a BOM', async () => {
    const dir = tempDir('csv-records');
    const path = join(dir, 'a.csv');
    writeFileSync(path, `\uFEFF${TRICKY}\r\n`);
    const records = await read(path);
    expect(records[0]!.start).toBe(3);
    for (let i = 1; i < records.length; i++) {
      const rest = await read(path, { from: records[i - 1]!.end });
      expect(rest.map((r) => r.cells)).toEqual(records.slice(i).map((r) => r.cells));
    }
  });

  it('reports rows it cannot read (invalid UTF-8, over-long, an unclosed quote at the end) and goes on after them', async () => {
    const dir = tempDir('csv-records');
    const path = join(dir, 'bad.csv');
    const long = `MV-2,${'x'.repeat(300)},1`;
    writeFileSync(path, Buffer.concat([Buffer.from('Ref,Name,Qty\nMV-1,ok,1\nMV-X,'), Buffer.from([0xc3, 0x28]), Buffer.from(`,1\n${long}\nMV-3,fine,2\nMV-4,"never closed,3\nMV-5,x,1\n`)]));
    const records = await read(path, { maxRecordBytes: 100, chunkBytes: 50 });
    expect(records.map((r) => r.problem ?? r.cells!.join('|'))).toEqual([
      'Ref|Name|Qty',
      'MV-1|ok|1',
      'invalid UTF-8 in the row (export the file as UTF-8)',
      'row of more than 100 bytes (LEDGERLINE_MAX_RECORD_BYTES): an unclosed quote, or a huge cell',
      'MV-3|fine|2',
      'unclosed quote: the file ends inside a quoted field',
    ]);
    expect(records[3]!.text).toBe(long.slice(0, 64));
    expect(records[5]).toMatchObject({ terminated: false, text: 'MV-4,"never closed,3\nMV-5,x,1\n' });
  });

  it('marks a last row without a newline as not terminated (the file may still be being written)', async () => {
    const dir = tempDir('csv-records');
    const path = join(dir, 'open.csv');
    writeFileSync(path, 'a;b\n1;2\n3;4');
    const records = await read(path, { delimiter: ';' });
    expect(records.map((r) => [r.cells, r.terminated])).toEqual([[['a', 'b'], true], [['1', '2'], true], [['3', '4'], false]]);
  });
});
