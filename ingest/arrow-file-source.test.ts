import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Dictionary, Float64, Int32, Int64, RecordBatch, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../testing/harness.js';
import { ArrowFileSource } from './arrow-file-source.js';
import { MappingError } from './column-mapping.js';
import { decodeBatch } from './decode.js';
import type { SourceBatch } from './source.js';

const MAPPING = {
  type: 'stock_move',
  columns: {
    record_id: 'ref', move_id: 'ref', version: 'version', occurred_at: 'done_at', sku: 'product', qty: 'qty',
    from_location: 'from', to_location: 'to', to_warehouse: 'to_wh', lot: 'lot',
  },
  constants: { source: 'arrow-export', company: 'acme', from_usage: 'supplier', from_warehouse: null, to_usage: 'internal', sales_line_id: null, purchase_line_id: null, picking: null, unit_cost: 0 },
};

interface Row {
  ref: string;
  version: bigint;
  done_at: number;
  product: string;
  qty: number | null;
  from: string;
  to: string;
  to_wh: string;
  lot: string | null;
  checked: boolean;
}

const day = (d: number) => Date.UTC(2025, 2, d, 9, 30);
function rows(prefix: string, n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: `${prefix}-${i + 1}`,
    version: BigInt(1 + (i % 2)),
    done_at: day(1 + (i % 20)),
    product: i % 3 === 0 ? 'Écrou à œil' : `SKU-${i % 4}`,
    qty: i === 4 ? null : i === 6 ? -2 : i + 0.5,
    from: 'Vendors',
    to: 'WH1/Stock',
    to_wh: 'WH1',
    lot: i % 2 ? null : `LOT-${i}`,
    checked: i % 2 === 0,
  }));
}

/** A table of record batches of the given sizes (typed columns, a dictionary column, nulls). */
function table(all: Row[], sizes: number[]): Table {
  const whole = new Table({
    ref: vectorFromArray(all.map((r) => r.ref), new Utf8()),
    version: vectorFromArray(all.map((r) => r.version), new Int64()),
    done_at: vectorFromArray(all.map((r) => r.done_at), new TimestampMillisecond()),
    product: vectorFromArray(all.map((r) => r.product), new Utf8()),
    qty: vectorFromArray(all.map((r) => r.qty), new Float64()),
    from: vectorFromArray(all.map((r) => r.from), new Dictionary(new Utf8(), new Int32())),
    to: vectorFromArray(all.map((r) => r.to), new Utf8()),
    to_wh: vectorFromArray(all.map((r) => r.to_wh), new Utf8()),
    lot: vectorFromArray(all.map((r) => r.lot), new Utf8()),
    checked: vectorFromArray(all.map((r) => r.checked), new Bool()),
  });
  const batches: RecordBatch[] = [];
  let at = 0;
  for (const size of sizes) {
    batches.push(...whole.slice(at, at + size).batches);
    at += size;
  }
  return new Table(batches);
}

const opts = { batchRecords: 2, maxRecordBytes: 1 << 20, keepRawBytes: 1024 };

async function collect(source: ArrowFileSource, resume?: string): Promise<SourceBatch[]> {
  const out: SourceBatch[] = [];
  for await (const b of source.batches(resume)) out.push(b);
  return out;
}

/** The same rows as an Arrow file (Feather v2) and as an Arrow stream, each with the mapping beside it. */
function files(dir: string, all: Row[], sizes: number[]): { file: string; stream: string } {
  const t = table(all, sizes);
  const file = join(dir, 'moves.arrow');
  const stream = join(dir, 'moves.arrows');
  writeFileSync(file, tableToIPC(t, 'file'));
  writeFileSync(stream, tableToIPC(t, 'stream'));
  for (const f of [file, stream]) writeFileSync(`${f}.mapping.json`, JSON.stringify(MAPPING));
  return { file, stream };
}

describe('ArrowFileSource', () => {
  it('maps typed columns of every record batch, in the file and the stream format alike; bad rows become dead letters naming the column', async () => {
    const dir = tempDir('arrow');
    const all = rows('MV', 9);
    const { file, stream } = files(dir, all, [4, 3, 2]);
    const seen: unknown[] = [];
    for (const path of [file, stream]) {
      const source = await ArrowFileSource.open(path, `${path}.mapping.json`, opts);
      const batches = await collect(source);
      // Source batches never span two record batches: 4 → 2+2, 3 → 2+1, 2 → 2.
      expect(batches.map((b) => b.records.length)).toEqual([2, 2, 2, 1, 2]);
      expect(batches.flatMap((b) => b.records.map((r) => r.position))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const decoded = batches.map((b) => decodeBatch(source, b, 1024, '2025-04-01T00:00:00.000Z'));
      const events = decoded.flatMap((d) => d.events.map((e) => e.event));
      expect(events).toHaveLength(7);
      expect(events[0]).toMatchObject({ event_id: 'arrow-export/stock_move/MV-1@1', version: 1, occurred_at: '2025-03-01T09:30:00.000Z', sku: 'Écrou à œil', qty: 0.5, from_location: 'Vendors', to_warehouse: 'WH1', lot: 'LOT-0' });
      expect(events[1]).toMatchObject({ record_id: 'MV-2', version: 2, lot: null });
      const letters = decoded.flatMap((d) => d.deadLetters);
      expect(letters.map((l) => [l.position, l.reason])).toEqual([
        [5, 'column "qty" → /qty: empty, and the field needs a value (map a "default", or a constant)'],
        [7, 'stock_move: /qty: Expected number to be greater than 0 (got -2)'],
      ]);
      // A dead letter keeps the row's mapped cells as JSON (Arrow has no text of a row).
      expect(JSON.parse(letters[0]!.raw)).toEqual({ ref: 'MV-5', version: 1, done_at: day(5), product: 'SKU-0', qty: null, from: 'Vendors', to: 'WH1/Stock', to_wh: 'WH1', lot: 'LOT-4' });
      seen.push(events);
    }
    expect(seen[1]).toEqual(seen[0]);
  });

  it('resumes after any batch at the next row, in both formats; a position of another file makes it read from the start', async () => {
    const dir = tempDir('arrow-resume');
    const all = rows('MV', 9);
    const { file, stream } = files(dir, all, [4, 3, 2]);
    for (const path of [file, stream]) {
      const source = await ArrowFileSource.open(path, `${path}.mapping.json`, opts);
      const batches = await collect(source);
      const positions = batches.map((b) => b.records.map((r) => r.position));
      for (let i = 0; i < batches.length; i++) {
        const resumed = await collect(source, await batches[i]!.resumeFrom());
        expect(resumed.flatMap((b) => b.records.map((r) => r.position)), `${path} after batch ${i}`).toEqual(positions.slice(i + 1).flat());
      }
      // Same schema and first rows, other content further on: the position's row check fails.
      const otherDir = tempDir('arrow-other');
      const other = files(otherDir, [...all.slice(0, 2), ...rows('XX', 7)], [4, 3, 2]);
      const otherPath = path === file ? other.file : other.stream;
      const otherSource = await ArrowFileSource.open(otherPath, `${otherPath}.mapping.json`, opts);
      const fromStart = await collect(otherSource, await batches[2]!.resumeFrom());
      expect(fromStart.flatMap((b) => b.records.map((r) => r.position))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('refuses, when opened, a mapping whose columns the file lacks, and a file that is not Arrow', async () => {
    const dir = tempDir('arrow-bad');
    const { file } = files(dir, rows('MV', 3), [3]);
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...MAPPING, columns: { ...MAPPING.columns, lot: 'batch_no' } }));
    await expect(ArrowFileSource.open(file, join(dir, 'wrong.json'), opts)).rejects.toThrow(/columns named by mapping .*wrong.json are not in the file: "batch_no" \(the file has "ref", "version"/);
    const csv = join(dir, 'not.arrow');
    writeFileSync(csv, 'ref,qty\nMV-1,3\n');
    await expect(ArrowFileSource.open(csv, `${file}.mapping.json`, opts)).rejects.toThrow(MappingError);
    await expect(ArrowFileSource.open(csv, `${file}.mapping.json`, opts)).rejects.toThrow(/not.arrow is not an Arrow IPC file or stream/);
  });

  it('reads what pyarrow writes: Feather v2 with its default LZ4 compression, a ZSTD-compressed file and a stream, alike', async () => {
    const dir = join(ROOT, 'fixtures/backfill');
    const results = [];
    for (const name of ['pyarrow-moves.feather', 'pyarrow-moves-zstd.arrow', 'pyarrow-moves.arrows']) {
      const source = await ArrowFileSource.open(join(dir, name), join(dir, 'pyarrow-moves.mapping.json'), opts);
      const decoded = (await collect(source)).map((b) => decodeBatch(source, b, 1024, '2025-04-01T00:00:00.000Z'));
      const events = decoded.flatMap((d) => d.events.map((e) => e.event));
      const letters = decoded.flatMap((d) => d.deadLetters.map((l) => [l.position, l.reason]));
      results.push({ events, letters });
    }
    const [feather] = results;
    expect(feather!.events.map((e) => e.type === 'stock_move' && [e.record_id, e.version, e.occurred_at, e.sku, e.qty, e.from_warehouse, e.to_warehouse, e.picking])).toEqual([
      ['stock.move:5501', Date.UTC(2025, 1, 1, 9, 12, 50), '2025-02-01T09:12:44.250Z', 'FURN_0096', 10, null, 'WH', 'WH/IN/00012'],
      ['stock.move:5502', Date.UTC(2025, 1, 1, 10, 3, 15), '2025-02-01T10:03:10.000Z', 'FURN_0097', 36, null, 'WH', 'WH/IN/00013'],
      ['stock.move:5531', Date.UTC(2025, 1, 5, 14, 2, 20), '2025-02-05T14:02:11.000Z', 'FURN_0096', 4, 'WH', null, 'WH/OUT/00311'],
      ['stock.move:5540', Date.UTC(2025, 1, 6, 8, 0, 5), '2025-02-06T08:00:00.000Z', 'FURN_0097', 12, 'WH', 'WH2', null],
    ]);
    expect(feather!.letters).toEqual([[5, 'column "product_qty" → /qty: empty, and the field needs a value (map a "default", or a constant)']]);
    expect(results[1]).toEqual(feather);
    expect(results[2]).toEqual(feather);
  });
});
