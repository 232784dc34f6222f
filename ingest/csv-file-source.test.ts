import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { CsvFileSource, CsvMappingError } from './csv-file-source.js';
import { decodeBatch } from './decode.js';
import type { SourceBatch } from './source.js';

const MAPPING = {
  type: 'stock_move',
  columns: {
    record_id: 'Reference', move_id: 'Reference', occurred_at: 'Date', sku: 'Product', qty: 'Quantity',
    from_location: 'From', from_warehouse: 'From WH', to_location: 'To', to_warehouse: 'To WH', lot: 'Lot',
  },
  constants: { source: 'wms-export', version: 1, company: 'acme', from_usage: 'internal', to_usage: 'customer', sales_line_id: null, purchase_line_id: null, picking: null, unit_cost: 0 },
};

const CSV = `Reference;Date;Product;Quantity;From;From WH;To;To WH;Lot
MV-1;2025-03-01T10:00:00Z;SKU-1;12;WH1/Stock;WH1;Partners/Customers;;L-9
MV-2;2025-03-01T11:00:00Z;SKU-2;twelve;WH1/Stock;WH1;Partners/Customers;;
MV-3;2025-03-02T09:00:00Z;SKU-1;3.5;WH1/Stock;WH1;Partners/Customers;;
`;

async function collect(source: CsvFileSource, resume?: string): Promise<SourceBatch[]> {
  const out: SourceBatch[] = [];
  for await (const b of source.batches(resume)) out.push(b);
  return out;
}

describe('CsvFileSource', () => {
  const opts = { batchRecords: 2, maxRecordBytes: 1 << 20, keepRawBytes: 1024 };

  it('maps columns to event fields with type conversion, and dead-letters rows that do not validate', async () => {
    const dir = tempDir('csv');
    writeFileSync(join(dir, 'moves.csv'), CSV);
    writeFileSync(join(dir, 'moves.csv.mapping.json'), JSON.stringify({ ...MAPPING, delimiter: ';' }));
    const source = await CsvFileSource.open(join(dir, 'moves.csv'), join(dir, 'moves.csv.mapping.json'), opts);
    const batches = await collect(source);
    expect(batches.map((b) => b.records.length)).toEqual([2, 1]);
    const decoded = batches.map((b) => decodeBatch(source, b, 1024));
    const events = decoded.flatMap((d) => d.events.map((e) => e.event));
    expect(events.map((e) => e.type === 'stock_move' && [e.move_id, e.qty, e.lot, e.to_warehouse])).toEqual([
      ['MV-1', 12, 'L-9', null],
      ['MV-3', 3.5, null, null],
    ]);
    const letters = decoded.flatMap((d) => d.deadLetters);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ position: 2, raw: 'MV-2;2025-03-01T11:00:00Z;SKU-2;twelve;WH1/Stock;WH1;Partners/Customers;;' });
    expect(letters[0]!.reason).toMatch(/\/qty/);

    const resumed = await collect(source, await batches[0]!.resumeFrom());
    expect(resumed.flatMap((b) => b.records.map((r) => r.position))).toEqual([3]);
  });

  it('refuses a mapping that names unknown fields or columns, saying which', async () => {
    const dir = tempDir('csv-bad');
    writeFileSync(join(dir, 'm.csv'), CSV.replaceAll(';', ','));
    writeFileSync(join(dir, 'bad-field.json'), JSON.stringify({ ...MAPPING, columns: { ...MAPPING.columns, colour: 'Lot' } }));
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'bad-field.json'), opts)).rejects.toThrow(/not fields of stock_move: colour/);
    writeFileSync(join(dir, 'bad-column.json'), JSON.stringify({ ...MAPPING, columns: { ...MAPPING.columns, lot: 'Batch' } }));
    const source = await CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'bad-column.json'), opts);
    await expect(collect(source)).rejects.toThrow(CsvMappingError);
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'missing.json'), opts)).rejects.toThrow(/needs a mapping file/);
  });
});
