/**
 * truth/bills.jsonl (taken from the simulation's state) against an independent fold of events.jsonl,
 * against truth/purchase_lines.jsonl, and against the exception labels; plus how bills work in the
 * simulation (documented in truth.ts): one bill per receipt, 0–3 days after it, for its qty.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpEvent } from '../../events/schema.js';
import { readJsonl, tempDir } from '../../testing/harness.js';
import { Simulation, type GeneratorOptions } from './simulation.js';
import type { BillTruth, ExceptionLabel, PurchaseLineTruth } from './truth.js';
import { addTo, distinctEvents, eventLines, idNo, jsonLines, keepLatest } from './truth-test-support.js';
import { writeDataset } from './write-dataset.js';

const root = tempDir('bill-truth');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BILL_FIELDS = [
  'line_id',
  'bill_id',
  'purchase_line_id',
  'vendor',
  'sku',
  'warehouse',
  'occurred_at',
  'qty',
  'unit_price',
  'po_qty_ordered',
  'po_unit_price',
  'received_qty',
  'received_before_bill_qty',
  'mispriced',
];

type BillEvent = Extract<ErpEvent, { type: 'vendor_bill_line' }>;
type PoEvent = Extract<ErpEvent, { type: 'purchase_order_line' }>;
type MoveEvent = Extract<ErpEvent, { type: 'stock_move' }>;

/**
 * What the file says, without the simulation: bill and purchase lines at their highest version,
 * supplier receipts per purchase line (redeliveries dropped), and, for each bill, the receipts of its
 * line that came before it in the file (file order, not event time: differs for late events).
 */
function foldEvents(lines: string[]) {
  const bills = new Map<string, BillEvent>();
  const pos = new Map<string, PoEvent>();
  const receipts = new Map<string, MoveEvent[]>();
  const receivedInFileBefore = new Map<string, number>();
  let billRedeliveries = 0;
  let unlinkedReceipts = 0;
  let lastAt = '';
  const redelivered = (e: ErpEvent) => {
    if (e.type === 'vendor_bill_line') billRedeliveries++;
  };
  for (const e of distinctEvents(lines, redelivered)) {
    if (e.occurred_at > lastAt) lastAt = e.occurred_at;
    if (e.type === 'vendor_bill_line') {
      keepLatest(bills, e.line_id, e);
      const inFile = e.purchase_line_id === null ? 0 : (receipts.get(e.purchase_line_id) ?? []).reduce((a, m) => a + m.qty, 0);
      receivedInFileBefore.set(e.line_id, inFile);
    } else if (e.type === 'purchase_order_line') {
      keepLatest(pos, e.line_id, e);
    } else if (e.type === 'stock_move' && e.from_usage === 'supplier') {
      if (e.purchase_line_id === null) {
        unlinkedReceipts++;
        continue;
      }
      addTo(receipts, e.purchase_line_id, e);
    }
  }
  return { bills, pos, receipts, receivedInFileBefore, billRedeliveries, unlinkedReceipts, lastAt };
}

const dayNo = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000);
const sum = (moves: MoveEvent[]) => moves.reduce((a, m) => a + m.qty, 0);

for (const seed of [1, 2]) {
  describe(`bill truth (seed ${seed})`, () => {
    const opts: GeneratorOptions = { seed, days: 60, skus: 30, warehouses: 3 };
    let dir: string;
    let bills: BillTruth[];
    let pos: PurchaseLineTruth[];
    let labels: ExceptionLabel[];
    let ev: ReturnType<typeof foldEvents>;

    beforeAll(async () => {
      dir = join(root, `seed-${seed}`);
      await writeDataset({ ...opts, out: dir });
      bills = readJsonl<BillTruth>(join(dir, 'truth', 'bills.jsonl'));
      pos = readJsonl<PurchaseLineTruth>(join(dir, 'truth', 'purchase_lines.jsonl'));
      labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
      ev = foldEvents(eventLines(dir));
    });

    it('has one row per vendor_bill_line record, each exactly once, in numeric line-number order, with exactly the documented fields', () => {
      expect(bills.length).toBeGreaterThan(200);
      expect(bills.map((r) => r.line_id).sort()).toEqual([...ev.bills.keys()].sort());
      expect(new Set(bills.map((r) => r.line_id)).size).toBe(bills.length);
      for (let i = 1; i < bills.length; i++) expect(idNo((bills[i] as BillTruth).line_id), (bills[i] as BillTruth).line_id).toBeGreaterThan(idNo((bills[i - 1] as BillTruth).line_id));
      // Numeric, not string order.
      expect(bills.findIndex((r) => r.line_id === 'account.move.line:10')).toBeGreaterThan(bills.findIndex((r) => r.line_id === 'account.move.line:9'));
      for (const r of bills) expect(Object.keys(r)).toEqual(BILL_FIELDS);
    });

    it('every row equals the last version of its vendor_bill_line event', () => {
      for (const r of bills) {
        const e = ev.bills.get(r.line_id) as BillEvent;
        expect([r.bill_id, r.purchase_line_id, r.vendor, r.sku, r.warehouse, r.occurred_at, r.qty, r.unit_price], r.line_id).toEqual([
          e.bill_id,
          e.purchase_line_id,
          e.vendor,
          e.sku,
          e.warehouse,
          e.occurred_at,
          e.qty,
          e.unit_price,
        ]);
        expect(typeof r.mispriced).toBe('boolean');
      }
    });

    it('po_qty_ordered and po_unit_price are those of the linked purchase_order_line’s last version (null when unlinked)', () => {
      let changed = 0;
      for (const r of bills) {
        if (r.purchase_line_id === null) {
          expect([r.po_qty_ordered, r.po_unit_price, r.received_qty, r.received_before_bill_qty], r.line_id).toEqual([null, null, 0, 0]);
          continue;
        }
        const e = ev.pos.get(r.purchase_line_id);
        if (!e) throw new Error(`${r.line_id}: ${r.purchase_line_id} has no purchase_order_line event`);
        expect([r.po_qty_ordered, r.po_unit_price], r.line_id).toEqual([e.qty_ordered, e.unit_price]);
        // The bill is for the line's goods, from its vendor, into its warehouse.
        expect([r.vendor, r.sku, r.warehouse], r.line_id).toEqual([e.vendor, e.sku, e.warehouse]);
        if (e.version > 1) changed++;
      }
      // "Last version" means something: billed lines have later versions (done, rescheduled).
      expect(changed).toBeGreaterThan(0);
    });

    it('received_qty and received_before_bill_qty equal a fold of the supplier receipts in events.jsonl (event time), and received_qty that of purchase_lines.jsonl', () => {
      expect(ev.unlinkedReceipts).toBe(0);
      const poRows = new Map(pos.map((p) => [p.line_id, p]));
      let partBefore = 0;
      let fileOrderDiffers = 0;
      for (const r of bills) {
        if (r.purchase_line_id === null) continue;
        const list = ev.receipts.get(r.purchase_line_id) ?? [];
        const before = list.filter((m) => m.occurred_at <= r.occurred_at);
        expect([r.received_qty, r.received_before_bill_qty], r.line_id).toEqual([sum(list), sum(before)]);
        expect(r.received_qty, r.line_id).toBe(poRows.get(r.purchase_line_id)?.received_qty);
        if (r.received_before_bill_qty < r.received_qty) partBefore++;
        if (ev.receivedInFileBefore.get(r.line_id) !== r.received_before_bill_qty) fileOrderDiffers++;
      }
      // Some bills come before a later receipt of their line, and the stream emits some receipts
      // after their bill (late events): a fold in file order would be wrong for those.
      expect(partBefore).toBeGreaterThan(0);
      expect(fileOrderDiffers).toBeGreaterThan(0);
    });

    it('mispriced rows are exactly the mispriced_bill labels, which agree with the row, and only they differ from the PO price', () => {
      const mis = labels.filter((l) => l.kind === 'mispriced_bill');
      expect(mis.length).toBeGreaterThan(0);
      expect(bills.filter((r) => r.mispriced).map((r) => r.line_id)).toEqual(mis.map((l) => l.bill_line_id as string).sort((a, b) => idNo(a) - idNo(b)));
      const byId = new Map(bills.map((r) => [r.line_id, r]));
      for (const l of mis) {
        const r = byId.get(l.bill_line_id as string) as BillTruth;
        expect([l.day, l.sku, l.warehouse, l.purchase_line_id], r.line_id).toEqual([r.occurred_at.slice(0, 10), r.sku, r.warehouse, r.purchase_line_id]);
        expect(l.detail, r.line_id).toBe(`billed ${r.unit_price} per unit, PO price ${r.po_unit_price}`);
        expect(r.unit_price, r.line_id).not.toBe(r.po_unit_price);
      }
      // The simulation bills at the PO price otherwise.
      for (const r of bills) if (!r.mispriced) expect(r.unit_price, r.line_id).toBe(r.po_unit_price);
    });

    it('bills follow the documented rules: one per receipt, 0–3 days after it, for its qty; never before receipt, over received or over ordered; never unlinked', () => {
      const byLine = new Map<string, BillTruth[]>();
      for (const r of bills) {
        expect(r.purchase_line_id, r.line_id).not.toBeNull();
        expect(idNo(r.bill_id), r.line_id).toBe(idNo(r.line_id));
        addTo(byLine, r.purchase_line_id as string, r);
      }
      const day0 = dayNo('2025-01-01T00:00:00.000Z');
      expect(dayNo(ev.lastAt) - day0).toBe(opts.days - 1);
      let beforeFull = 0;
      let duplicateLinesBilled = 0;
      const dupLines = new Set(labels.filter((l) => l.kind === 'duplicate_po').map((l) => l.duplicate_purchase_line_id as string));
      for (const [poId, receipts] of ev.receipts) {
        const list = [...(byLine.get(poId) ?? [])].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : 1));
        // Match each bill (in time order) to the earliest unmatched receipt of the same qty at most 3 days before it.
        const open = [...receipts].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : 1));
        let billed = 0;
        for (const r of list) {
          const k = open.findIndex((m) => m.qty === r.qty && m.occurred_at < r.occurred_at && dayNo(r.occurred_at) - dayNo(m.occurred_at) <= 3);
          expect(k, `${r.line_id} matches a receipt of ${poId}`).toBeGreaterThanOrEqual(0);
          open.splice(k, 1);
          billed += r.qty;
          expect(r.qty, r.line_id).toBeLessThanOrEqual(r.received_before_bill_qty);
          expect(billed, r.line_id).toBeLessThanOrEqual(r.received_before_bill_qty);
          expect(billed, r.line_id).toBeLessThanOrEqual(r.po_qty_ordered as number);
          if (r.received_before_bill_qty < (r.po_qty_ordered as number)) beforeFull++;
        }
        // Unbilled receipts are those whose bill day fell past the end of the run.
        for (const m of open) expect(dayNo(m.occurred_at) - day0, `unbilled receipt ${m.move_id}`).toBeGreaterThanOrEqual(opts.days - 3);
        if (list.length > 0 && dupLines.has(poId)) duplicateLinesBilled++;
      }
      for (const poId of byLine.keys()) expect(ev.receipts.has(poId), poId).toBe(true);
      expect(beforeFull).toBeGreaterThan(0);
      expect(duplicateLinesBilled).toBeGreaterThan(0);
    });
  });
}

describe('bill truth from the Simulation API', () => {
  it('is valid only after the stream is exhausted and equals what writeDataset writes', async () => {
    const opts: GeneratorOptions = { seed: 3, days: 20, skus: 8, warehouses: 2 };
    const dir = join(root, 'api');
    await writeDataset({ ...opts, out: dir });
    const sim = new Simulation(opts);
    expect(() => sim.billTruth().next()).toThrow(/exhausted/);
    for (const _ of sim.events());
    const file = readFileSync(join(dir, 'truth', 'bills.jsonl'), 'utf8');
    expect(file.length).toBeGreaterThan(0);
    expect(jsonLines(sim.billTruth())).toBe(file);
    // A second run of the same instance starts from scratch (no rows carried over).
    for (const _ of sim.events());
    expect(jsonLines(sim.billTruth())).toBe(file);
  });
});
