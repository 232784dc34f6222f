/**
 * truth/sales_lines.jsonl and truth/purchase_lines.jsonl (taken from the simulation's state) against an
 * independent fold of events.jsonl, and against the exception labels.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpEvent } from '../../events/schema.js';
import { readJsonl, tempDir } from '../../testing/harness.js';
import { Simulation, type GeneratorOptions } from './simulation.js';
import type { ExceptionLabel, PurchaseLineTruth, SalesLineTruth } from './truth.js';
import { addTo, byOccurredAt, distinctEvents, eventLines, idNo, jsonLines, keepLatest } from './truth-test-support.js';
import { writeDataset } from './write-dataset.js';

const root = tempDir('line-truth');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SALES_FIELDS = [
  'line_id',
  'order_id',
  'sku',
  'warehouse',
  'customer',
  'ordered_at',
  'committed_date',
  'requested_date',
  'qty_ordered',
  'state',
  'delivered_qty',
  'first_shipment_at',
  'first_shipment_qty',
  'completed_at',
];
const PURCHASE_FIELDS = [
  'line_id',
  'order_id',
  'sku',
  'warehouse',
  'vendor',
  'ordered_at',
  'planned_date',
  'original_planned_date',
  'qty_ordered',
  'state',
  'received_qty',
  'first_receipt_at',
  'first_receipt_qty',
  'completed_at',
  'received_on_time_qty',
  'received_by_planned_day_qty',
];

type SaleEvent = Extract<ErpEvent, { type: 'sales_order_line' }>;
type PoEvent = Extract<ErpEvent, { type: 'purchase_order_line' }>;
type MoveEvent = Extract<ErpEvent, { type: 'stock_move' }>;

interface Outcome {
  qty: number;
  firstAt: string | null;
  firstQty: number;
  completedAt: string | null;
}

/** Deduplicated moves of a line folded in occurred_at order (never file order) against `ordered`. */
function outcome(moves: MoveEvent[] | undefined, ordered: number): Outcome {
  const list = [...(moves ?? [])].sort(byOccurredAt);
  let qty = 0;
  let completedAt: string | null = null;
  for (const m of list) {
    qty += m.qty;
    if (completedAt === null && qty >= ordered) completedAt = m.occurred_at;
  }
  return { qty, firstAt: list[0]?.occurred_at ?? null, firstQty: list[0]?.qty ?? 0, completedAt };
}

/** What the file says, without the simulation: latest versions, linked moves, emission-order facts. */
function foldEvents(lines: string[]) {
  const sales = new Map<string, SaleEvent>();
  const pos = new Map<string, PoEvent>();
  const moves = new Map<string, MoveEvent>();
  const deliveries = new Map<string, MoveEvent[]>();
  const receipts = new Map<string, MoveEvent[]>();
  let customerReturns = 0;
  let saleInversions = 0;
  let poInversions = 0;
  let lateMoves = 0;
  let maxAt = '';
  for (const e of distinctEvents(lines)) {
    if (e.type === 'sales_order_line') {
      const prev = keepLatest(sales, e.line_id, e);
      if (prev && prev.version > e.version) saleInversions++;
    } else if (e.type === 'purchase_order_line') {
      const prev = keepLatest(pos, e.line_id, e);
      if (prev && prev.version > e.version) poInversions++;
    } else if (e.type === 'stock_move') {
      moves.set(e.move_id, e);
      if (e.occurred_at < maxAt && (e.sales_line_id || e.purchase_line_id)) lateMoves++;
      if (e.sales_line_id && e.to_usage === 'customer') addTo(deliveries, e.sales_line_id, e);
      if (e.sales_line_id && e.from_usage === 'customer') customerReturns++;
      if (e.purchase_line_id && e.from_usage === 'supplier') addTo(receipts, e.purchase_line_id, e);
    }
    if (e.occurred_at > maxAt) maxAt = e.occurred_at;
  }
  return { sales, pos, moves, deliveries, receipts, customerReturns, saleInversions, poInversions, lateMoves };
}

const day = (iso: string | null) => (iso === null ? null : iso.slice(0, 10));

for (const seed of [1, 2]) {
  describe(`line truth (seed ${seed})`, () => {
    const opts: GeneratorOptions = { seed, days: 60, skus: 30, warehouses: 3 };
    let dir: string;
    let sales: SalesLineTruth[];
    let pos: PurchaseLineTruth[];
    let labels: ExceptionLabel[];
    let ev: ReturnType<typeof foldEvents>;

    beforeAll(async () => {
      dir = join(root, `seed-${seed}`);
      await writeDataset({ ...opts, out: dir });
      sales = readJsonl<SalesLineTruth>(join(dir, 'truth', 'sales_lines.jsonl'));
      pos = readJsonl<PurchaseLineTruth>(join(dir, 'truth', 'purchase_lines.jsonl'));
      labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
      ev = foldEvents(eventLines(dir));
    });

    it('has one row per line of the stream, in numeric line-number order, with exactly the documented fields', () => {
      expect(sales.length).toBeGreaterThan(500);
      expect(pos.length).toBeGreaterThan(100);
      expect(sales.map((r) => r.line_id).sort()).toEqual([...ev.sales.keys()].sort());
      expect(pos.map((r) => r.line_id).sort()).toEqual([...ev.pos.keys()].sort());
      for (const rows of [sales, pos]) {
        for (let i = 1; i < rows.length; i++) expect(idNo((rows[i] as { line_id: string }).line_id)).toBeGreaterThan(idNo((rows[i - 1] as { line_id: string }).line_id));
      }
      // Numeric, not string order: line 10 comes after line 9.
      expect(sales.findIndex((r) => r.line_id === 'sale.order.line:10')).toBeGreaterThan(sales.findIndex((r) => r.line_id === 'sale.order.line:9'));
      for (const r of sales) expect(Object.keys(r)).toEqual(SALES_FIELDS);
      for (const r of pos) expect(Object.keys(r)).toEqual(PURCHASE_FIELDS);
      const summary = JSON.parse(readFileSync(join(dir, 'truth', 'summary.json'), 'utf8')) as { documents: { sales_lines: number; purchase_lines: number } };
      expect([sales.length, pos.length]).toEqual([summary.documents.sales_lines, summary.documents.purchase_lines]);
    });

    it('headers are those of each line’s highest version, though some versions arrive after later ones', () => {
      // The stream must actually invert versions for this check to mean something (PO lines have
      // fewer versions: at this size an inversion among them depends on the seed).
      expect(ev.saleInversions).toBeGreaterThan(0);
      for (const r of sales) {
        const e = ev.sales.get(r.line_id) as SaleEvent;
        expect([r.order_id, r.sku, r.warehouse, r.customer, r.ordered_at, r.committed_date, r.requested_date, r.qty_ordered, r.state], r.line_id).toEqual([
          e.order_id,
          e.sku,
          e.warehouse,
          e.customer,
          e.ordered_at,
          e.committed_date,
          e.requested_date,
          e.qty_ordered,
          e.state,
        ]);
      }
      for (const r of pos) {
        const e = ev.pos.get(r.line_id) as PoEvent;
        expect([r.order_id, r.sku, r.warehouse, r.vendor, r.ordered_at, r.planned_date, r.original_planned_date, r.qty_ordered, r.state], r.line_id).toEqual([
          e.order_id,
          e.sku,
          e.warehouse,
          e.vendor,
          e.ordered_at,
          e.planned_date,
          e.original_planned_date,
          e.qty_ordered,
          e.state,
        ]);
      }
      // Every state occurs: cancelled lines, open lines at the end, rescheduled POs.
      expect(new Set(sales.map((r) => r.state))).toEqual(new Set(['confirmed', 'done', 'cancelled']));
      expect(new Set(pos.map((r) => r.state))).toEqual(new Set(['confirmed', 'done']));
      expect(pos.some((r) => r.planned_date !== r.original_planned_date)).toBe(true);
    });

    it('delivered_qty, first shipment and completed_at equal a fold of the customer deliveries in events.jsonl (event time)', () => {
      expect(ev.customerReturns).toBe(0);
      expect(ev.lateMoves).toBeGreaterThan(0);
      let partial = 0;
      for (const r of sales) {
        const o = outcome(ev.deliveries.get(r.line_id), r.qty_ordered);
        expect({ delivered_qty: r.delivered_qty, first_shipment_at: r.first_shipment_at, first_shipment_qty: r.first_shipment_qty, completed_at: r.completed_at }, r.line_id).toEqual({
          delivered_qty: o.qty,
          first_shipment_at: o.firstAt,
          first_shipment_qty: o.firstQty,
          completed_at: o.completedAt,
        });
        expect(r.delivered_qty).toBeLessThanOrEqual(r.qty_ordered);
        expect(r.state === 'done', r.line_id).toBe(r.completed_at !== null);
        if (r.state === 'cancelled') expect(r.delivered_qty).toBe(0);
        if (r.completed_at !== null && r.completed_at !== r.first_shipment_at) partial++;
      }
      expect(partial).toBeGreaterThan(0);
    });

    it('received_qty, first receipt, completed_at, received_on_time_qty and received_by_planned_day_qty equal a fold of the vendor receipts in events.jsonl', () => {
      let split = 0;
      let someLate = 0;
      for (const r of pos) {
        const list = ev.receipts.get(r.line_id);
        const o = outcome(list, r.qty_ordered);
        const onTime = (list ?? []).filter((m) => m.occurred_at <= r.planned_date).reduce((a, m) => a + m.qty, 0);
        const plannedDay = r.planned_date.slice(0, 10);
        const byDay = (list ?? []).filter((m) => m.occurred_at.slice(0, 10) <= plannedDay).reduce((a, m) => a + m.qty, 0);
        expect(
          {
            received_qty: r.received_qty,
            first_receipt_at: r.first_receipt_at,
            first_receipt_qty: r.first_receipt_qty,
            completed_at: r.completed_at,
            received_on_time_qty: r.received_on_time_qty,
            received_by_planned_day_qty: r.received_by_planned_day_qty,
          },
          r.line_id,
        ).toEqual({ received_qty: o.qty, first_receipt_at: o.firstAt, first_receipt_qty: o.firstQty, completed_at: o.completedAt, received_on_time_qty: onTime, received_by_planned_day_qty: byDay });
        expect(r.state === 'done', r.line_id).toBe(r.completed_at !== null);
        if ((list?.length ?? 0) > 1) split++;
        if (r.received_on_time_qty < r.received_qty) someLate++;
      }
      expect(split).toBeGreaterThan(0);
      expect(someLate).toBeGreaterThan(0);
      // Quality-check releases carry purchase_line_id too but are not receipts.
      const qcMoves = [...ev.moves.values()].filter((m) => m.purchase_line_id && m.from_usage !== 'supplier');
      expect(qcMoves.length).toBeGreaterThan(0);
    });

    it('agrees with the late/partial delivery and receipt labels, both ways', () => {
      const byKind = (kind: ExceptionLabel['kind'], key: 'sales_line_id' | 'purchase_line_id') =>
        new Map(labels.filter((l) => l.kind === kind).map((l) => [l[key] as string, l]));
      const moveAt = (l: ExceptionLabel) => ev.moves.get(l.move_id as string)?.occurred_at;

      const partialShip = byKind('partial_shipment', 'sales_line_id');
      const lateDelivery = byKind('late_delivery', 'sales_line_id');
      expect(partialShip.size).toBeGreaterThan(0);
      expect(lateDelivery.size).toBeGreaterThan(0);
      for (const r of sales) {
        const p = partialShip.get(r.line_id);
        expect(p !== undefined, `partial_shipment ${r.line_id}`).toBe(r.first_shipment_qty > 0 && r.first_shipment_qty < r.qty_ordered);
        if (p) {
          expect(moveAt(p)).toBe(r.first_shipment_at);
          expect(p.day).toBe(day(r.first_shipment_at));
        }
        const l = lateDelivery.get(r.line_id);
        expect(l !== undefined, `late_delivery ${r.line_id}`).toBe(r.completed_at !== null && (day(r.completed_at) as string) > (day(r.committed_date) as string));
        if (l) {
          expect(moveAt(l)).toBe(r.completed_at);
          expect(l.day).toBe(day(r.completed_at));
          expect([l.sku, l.warehouse]).toEqual([r.sku, r.warehouse]);
        }
      }

      const partialRec = byKind('partial_receipt', 'purchase_line_id');
      const lateRec = byKind('late_receipt', 'purchase_line_id');
      expect(partialRec.size).toBeGreaterThan(0);
      expect(lateRec.size).toBeGreaterThan(0);
      for (const r of pos) {
        const p = partialRec.get(r.line_id);
        expect(p !== undefined, `partial_receipt ${r.line_id}`).toBe(r.first_receipt_qty > 0 && r.first_receipt_qty < r.qty_ordered);
        if (p) expect(moveAt(p)).toBe(r.first_receipt_at);
        const l = lateRec.get(r.line_id);
        expect(l !== undefined, `late_receipt ${r.line_id}`).toBe(r.completed_at !== null && (day(r.completed_at) as string) > day(r.planned_date)!);
        if (l) {
          expect(moveAt(l)).toBe(r.completed_at);
          expect(r.received_on_time_qty).toBeLessThan(r.qty_ordered);
        } else if (r.state === 'done') {
          expect(r.received_on_time_qty, r.line_id).toBe(r.received_qty);
        }
      }
    });

    it('has both lines of every duplicate PO, on different orders', () => {
      const dups = labels.filter((l) => l.kind === 'duplicate_po');
      expect(dups.length).toBeGreaterThan(0);
      const byId = new Map(pos.map((r) => [r.line_id, r]));
      for (const l of dups) {
        const a = byId.get(l.purchase_line_id as string);
        const b = byId.get(l.duplicate_purchase_line_id as string);
        if (!a || !b) throw new Error(`duplicate_po ${l.purchase_line_id} / ${l.duplicate_purchase_line_id} missing from purchase_lines.jsonl`);
        expect([b.sku, b.warehouse, b.vendor, b.qty_ordered]).toEqual([a.sku, a.warehouse, a.vendor, a.qty_ordered]);
        expect(b.order_id).not.toBe(a.order_id);
      }
    });
  });
}

describe('line truth from the Simulation API', () => {
  it('is valid only after the stream is exhausted and equals what writeDataset writes', async () => {
    const opts: GeneratorOptions = { seed: 3, days: 20, skus: 8, warehouses: 2 };
    const dir = join(root, 'api');
    await writeDataset({ ...opts, out: dir });
    const sim = new Simulation(opts);
    expect(() => sim.salesLineTruth().next()).toThrow(/exhausted/);
    expect(() => sim.purchaseLineTruth().next()).toThrow(/exhausted/);
    for (const _ of sim.events());
    expect(jsonLines(sim.salesLineTruth())).toBe(readFileSync(join(dir, 'truth', 'sales_lines.jsonl'), 'utf8'));
    expect(jsonLines(sim.purchaseLineTruth())).toBe(readFileSync(join(dir, 'truth', 'purchase_lines.jsonl'), 'utf8'));
    // A second run of the same instance starts from scratch (no rows carried over).
    for (const _ of sim.events());
    expect(jsonLines(sim.salesLineTruth())).toBe(readFileSync(join(dir, 'truth', 'sales_lines.jsonl'), 'utf8'));
  });
});
