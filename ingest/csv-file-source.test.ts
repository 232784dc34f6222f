import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../testing/harness.js';
import { MappingError } from './column-mapping.js';
import { CsvFileSource } from './csv-file-source.js';
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
    expect(letters[0]!.reason).toBe('column "Quantity" → /qty: not a number (got "twelve")');

    const resumed = await collect(source, await batches[0]!.resumeFrom());
    expect(resumed.flatMap((b) => b.records.map((r) => r.position))).toEqual([3]);
  });

  it('is another source (read again from the start) when the mapping says something else, not when it is only laid out differently', async () => {
    const dir = tempDir('csv-id');
    writeFileSync(join(dir, 'moves.csv'), CSV);
    const open = async (mapping: unknown, space?: number) => {
      writeFileSync(join(dir, 'm.json'), JSON.stringify(mapping, null, space));
      return (await CsvFileSource.open(join(dir, 'moves.csv'), join(dir, 'm.json'), opts)).id;
    };
    const first = await open({ ...MAPPING, delimiter: ';' });
    expect(await open({ ...MAPPING, delimiter: ';' }, 2)).toBe(first);
    expect(await open({ ...MAPPING, delimiter: ';', constants: { ...MAPPING.constants, company: 'other' } })).not.toBe(first);
  });

  it('refuses a mapping that names unknown fields or columns, saying which', async () => {
    const dir = tempDir('csv-bad');
    writeFileSync(join(dir, 'm.csv'), CSV.replaceAll(';', ','));
    writeFileSync(join(dir, 'bad-field.json'), JSON.stringify({ ...MAPPING, columns: { ...MAPPING.columns, colour: 'Lot' } }));
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'bad-field.json'), opts)).rejects.toThrow(/not fields of stock_move: colour/);
    writeFileSync(join(dir, 'bad-column.json'), JSON.stringify({ ...MAPPING, columns: { ...MAPPING.columns, lot: 'Batch' } }));
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'bad-column.json'), opts)).rejects.toThrow(MappingError);
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'bad-column.json'), opts)).rejects.toThrow(/bad-column.json are not in the file: "Batch"/);
    await expect(CsvFileSource.open(join(dir, 'm.csv'), join(dir, 'missing.json'), opts)).rejects.toThrow(/needs a mapping file/);
  });

  it('reads the documented Odoo exports (docs/backfill.md): units, labels, zones, decimal commas; bad rows name their column', async () => {
    const read = async (name: string) => {
      const path = join(ROOT, 'fixtures/backfill', name);
      const source = await CsvFileSource.open(path, `${path}.mapping.json`, { ...opts, batchRecords: 100 });
      const decoded = (await collect(source)).map((b) => decodeBatch(source, b, 1024, '2025-03-01T00:00:00.000Z'));
      return { events: decoded.flatMap((d) => d.events.map((e) => e.event)), letters: decoded.flatMap((d) => d.deadLetters.map((l) => [l.position, l.reason])) };
    };
    const moves = await read('odoo-stock-move.csv');
    expect(moves.events.map((e) => e.type === 'stock_move' && [e.record_id, e.version, e.occurred_at, e.qty, e.unit_cost, e.from_usage, e.from_warehouse, e.to_usage, e.to_warehouse, e.sales_line_id, e.purchase_line_id])).toEqual([
      ['stock.move:5501', Date.UTC(2025, 1, 1, 9, 12, 50), '2025-02-01T09:12:44.000Z', 10, 120.5, 'supplier', null, 'internal', 'WH', null, 'purchase.order.line:77'],
      ['stock.move:5502', Date.UTC(2025, 1, 1, 10, 3, 15), '2025-02-01T10:03:10.000Z', 36, 3, 'supplier', null, 'internal', 'WH', null, 'purchase.order.line:78'],
      ['stock.move:5531', Date.UTC(2025, 1, 5, 14, 2, 20), '2025-02-05T14:02:11.000Z', 4, 120.5, 'internal', 'WH', 'customer', null, 'sale.order.line:901', null],
      ['stock.move:5540', Date.UTC(2025, 1, 6, 8, 0, 5), '2025-02-06T08:00:00.000Z', 12, 3, 'internal', 'WH', 'internal', 'WH2', null, null],
      ['stock.move:5544', Date.UTC(2025, 1, 7, 16, 45), '2025-02-07T16:45:00.000Z', 2, 120.5, 'internal', 'WH', 'inventory', null, null, null],
    ]);
    expect(moves.letters).toEqual([
      [6, 'column "Unit of Measure" → /qty: unknown unit "Boxes" (known: Units, Dozens)'],
      [7, 'column "Date" → /occurred_at: no such day 2025-2-31 (got "2025-02-31 11:30:00")'],
    ]);
    const lines = await read('odoo-sale-order-line.csv');
    expect(lines.events.map((e) => e.type === 'sales_order_line' && [e.line_id, e.ordered_at, e.committed_date, e.qty_ordered, e.unit_price, e.state])).toEqual([
      ['sale.order.line:901', '2025-02-03T09:15:00.000Z', '2025-02-04T23:00:00.000Z', 4, 310, 'confirmed'],
      ['sale.order.line:902', '2025-02-03T09:15:00.000Z', '2025-02-04T23:00:00.000Z', 24, 5, 'confirmed'],
      ['sale.order.line:915', '2025-02-07T08:00:00.000Z', null, 1, 5.5, 'draft'],
      ['sale.order.line:916', '2025-02-07T08:30:00.000Z', '2025-02-09T23:00:00.000Z', 1, 310, 'cancelled'],
    ]);
    expect(lines.letters).toEqual([[5, 'column "Quantity" → /qty_ordered: not a number (decimal comma expected) (got "n/a")']]);
    // The guide shows these mapping files as they are.
    const guide = readFileSync(join(ROOT, 'docs/backfill.md'), 'utf8');
    for (const name of ['odoo-stock-move.csv', 'odoo-sale-order-line.csv']) {
      expect(guide).toContain(readFileSync(join(ROOT, 'fixtures/backfill', `${name}.mapping.json`), 'utf8').trim());
      expect(guide).toContain(readFileSync(join(ROOT, 'fixtures/backfill', name), 'utf8').split('\n').slice(0, 2).join('\n'));
    }
  });
});
