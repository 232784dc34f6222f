/**
 * truth/counts.jsonl and truth/adjustments.jsonl (taken from the simulation's state) against an
 * independent fold of events.jsonl, against the product master data, and against the exception labels.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpEvent } from '../../events/schema.js';
import { readJsonl, tempDir } from '../../testing/harness.js';
import { Simulation, type GeneratorOptions } from './simulation.js';
import { ADJUSTMENT_KINDS, type AdjustmentTruth, type CountTruth, type ExceptionLabel } from './truth.js';
import { addTo, byOccurredAt, distinctEvents, eventLines, idNo, jsonLines, keepLatest } from './truth-test-support.js';
import { writeDataset } from './write-dataset.js';

const root = tempDir('count-truth');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COUNT_FIELDS = ['count_id', 'sku', 'warehouse', 'location', 'occurred_at', 'counted_qty', 'system_qty', 'user', 'reason', 'unit_cost', 'miscount'];
const ADJUSTMENT_FIELDS = ['move_id', 'sku', 'warehouse', 'location', 'occurred_at', 'qty', 'unit_cost', 'kind', 'count_id'];
const INVENTORY = 'Virtual/Inventory adjustment';

type CountEvent = Extract<ErpEvent, { type: 'inventory_count' }>;
type MoveEvent = Extract<ErpEvent, { type: 'stock_move' }>;

/** What the file says, without the simulation: counts at their highest version, moves, master data. */
function foldEvents(lines: string[]) {
  const counts = new Map<string, CountEvent>();
  const moves = new Map<string, MoveEvent>();
  const inventoryMoves: MoveEvent[] = [];
  const costs = new Map<string, number>();
  const usages = new Map<string, string>();
  let redelivered = 0;
  const onRedelivery = (e: ErpEvent) => {
    if (e.type === 'inventory_count' || e.type === 'stock_move') redelivered++;
  };
  for (const e of distinctEvents(lines, onRedelivery)) {
    if (e.type === 'inventory_count') {
      keepLatest(counts, e.count_id, e);
    } else if (e.type === 'stock_move') {
      keepLatest(moves, e.move_id, e);
      if (e.from_usage === 'inventory' || e.to_usage === 'inventory') inventoryMoves.push(e);
    } else if (e.type === 'product') {
      costs.set(e.sku, e.unit_cost);
    } else if (e.type === 'location') {
      usages.set(e.location, e.usage);
    }
  }
  return { counts, moves, inventoryMoves, costs, usages, redelivered };
}

function expectNumericOrder(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) expect(idNo(ids[i] as string), ids[i]).toBeGreaterThan(idNo(ids[i - 1] as string));
}

/** The adjustment kind a count's adjustment must have, from what the count says about itself. */
function expectedKind(c: CountTruth): AdjustmentTruth['kind'] {
  if (c.reason === 'opening') return 'opening';
  if (c.reason === null) return 'anomalous';
  return 'count';
}

for (const seed of [1, 2]) {
  describe(`count and adjustment truth (seed ${seed})`, () => {
    const opts: GeneratorOptions = { seed, days: 60, skus: 30, warehouses: 3 };
    let dir: string;
    let counts: CountTruth[];
    let adjustments: AdjustmentTruth[];
    let labels: ExceptionLabel[];
    let ev: ReturnType<typeof foldEvents>;

    beforeAll(async () => {
      dir = join(root, `seed-${seed}`);
      await writeDataset({ ...opts, out: dir });
      counts = readJsonl<CountTruth>(join(dir, 'truth', 'counts.jsonl'));
      adjustments = readJsonl<AdjustmentTruth>(join(dir, 'truth', 'adjustments.jsonl'));
      labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
      ev = foldEvents(eventLines(dir));
    });

    it('has one count row per inventory_count record and one adjustment row per inventory-usage move, each exactly once, in numeric order, with exactly the documented fields', () => {
      expect(counts.length).toBeGreaterThan(200);
      expect(adjustments.length).toBeGreaterThan(100);
      expect(counts.map((r) => r.count_id).sort()).toEqual([...ev.counts.keys()].sort());
      expect(new Set(counts.map((r) => r.count_id)).size).toBe(counts.length);
      // Distinct inventory-usage moves of the file (redeliveries dropped), each once.
      expect(adjustments.map((r) => r.move_id).sort()).toEqual(ev.inventoryMoves.map((m) => m.move_id).sort());
      expect(new Set(adjustments.map((r) => r.move_id)).size).toBe(adjustments.length);
      expectNumericOrder(counts.map((r) => r.count_id));
      expectNumericOrder(adjustments.map((r) => r.move_id));
      // Numeric, not string order.
      expect(counts.findIndex((r) => r.count_id === 'stock.count:10')).toBeGreaterThan(counts.findIndex((r) => r.count_id === 'stock.count:9'));
      for (const r of counts) expect(Object.keys(r)).toEqual(COUNT_FIELDS);
      for (const r of adjustments) expect(Object.keys(r)).toEqual(ADJUSTMENT_FIELDS);
      expect(new Set(adjustments.map((r) => r.kind))).toEqual(new Set(ADJUSTMENT_KINDS));
      // The inventory side is the one inventory-usage location of the master data.
      expect([...ev.usages].filter(([, u]) => u === 'inventory').map(([l]) => l)).toEqual([INVENTORY]);
      // Redeliveries of counts and moves exist, so "each once" means something.
      expect(ev.redelivered).toBeGreaterThan(0);
    });

    it('every count row equals the last version of its inventory_count event, with the product master data’s unit cost', () => {
      for (const r of counts) {
        const e = ev.counts.get(r.count_id) as CountEvent;
        expect([r.sku, r.warehouse, r.location, r.occurred_at, r.counted_qty, r.system_qty, r.user, r.reason], r.count_id).toEqual([
          e.sku,
          e.warehouse,
          e.location,
          e.occurred_at,
          e.counted_qty,
          e.system_qty,
          e.user,
          e.reason,
        ]);
        expect(r.unit_cost, r.count_id).toBe(ev.costs.get(r.sku));
        expect(typeof r.miscount).toBe('boolean');
      }
      // Opening counts: day 0, by admin, of an empty system position.
      const opening = counts.filter((r) => r.reason === 'opening');
      expect(opening.length).toBe(opts.skus * opts.warehouses);
      for (const r of opening) expect([r.user, r.system_qty, r.occurred_at.slice(0, 10)]).toEqual(['admin', 0, '2025-01-01']);
    });

    it('system_qty is the quantity at the counted location by an event-time fold of the moves before the count', () => {
      const sorted = [...ev.moves.values()].sort(byOccurredAt);
      const qty = new Map<string, number>();
      const key = (sku: string, loc: string) => `${sku}|${loc}`;
      let m = 0;
      for (const r of [...counts].sort(byOccurredAt)) {
        for (; m < sorted.length && (sorted[m] as MoveEvent).occurred_at <= r.occurred_at; m++) {
          const mv = sorted[m] as MoveEvent;
          qty.set(key(mv.sku, mv.from_location), (qty.get(key(mv.sku, mv.from_location)) ?? 0) - mv.qty);
          qty.set(key(mv.sku, mv.to_location), (qty.get(key(mv.sku, mv.to_location)) ?? 0) + mv.qty);
        }
        expect(qty.get(key(r.sku, r.location)) ?? 0, r.count_id).toBe(r.system_qty);
      }
    });

    it('miscount rows are exactly the miscount labels, which agree with the row', () => {
      const mis = labels.filter((l) => l.kind === 'miscount');
      expect(mis.length).toBeGreaterThan(0);
      expect(counts.filter((r) => r.miscount).map((r) => r.count_id)).toEqual(mis.map((l) => l.count_id as string).sort((a, b) => idNo(a) - idNo(b)));
      const byCount = new Map(counts.map((r) => [r.count_id, r]));
      const adjOf = new Map(adjustments.map((a) => [a.count_id, a]));
      for (const l of mis) {
        const r = byCount.get(l.count_id as string) as CountTruth;
        expect([l.day, l.sku, l.warehouse], r.count_id).toEqual([r.occurred_at.slice(0, 10), r.sku, r.warehouse]);
        const [, counted, physical, system] = /^counted (\d+), physically (\d+), system (-?\d+)$/.exec(l.detail) ?? [];
        expect([Number(counted), Number(system)], r.count_id).toEqual([r.counted_qty, r.system_qty]);
        expect(Number(physical)).not.toBe(r.counted_qty);
        expect(l.move_id ?? null, r.count_id).toBe(adjOf.get(r.count_id)?.move_id ?? null);
      }
      // Only cycle counts are miscounted.
      for (const r of counts) if (r.miscount) expect(expectedKind(r)).toBe('count');
    });

    it('every adjustment row equals its stock_move event: signed qty, stock side, time, unit cost', () => {
      let into = 0;
      let out = 0;
      for (const r of adjustments) {
        const e = ev.moves.get(r.move_id) as MoveEvent;
        const fromInventory = e.from_usage === 'inventory';
        expect(fromInventory !== (e.to_usage === 'inventory'), r.move_id).toBe(true);
        const side = fromInventory
          ? { location: e.to_location, warehouse: e.to_warehouse, usage: e.to_usage, other: e.from_location, qty: e.qty }
          : { location: e.from_location, warehouse: e.from_warehouse, usage: e.from_usage, other: e.to_location, qty: -e.qty };
        expect([r.sku, r.warehouse, r.location, r.occurred_at, r.qty, r.unit_cost], r.move_id).toEqual([e.sku, side.warehouse, side.location, e.occurred_at, side.qty, e.unit_cost]);
        expect(['internal', 'transit']).toContain(side.usage);
        expect(side.other).toBe(INVENTORY);
        expect(r.unit_cost).toBe(ev.costs.get(r.sku));
        if (r.qty > 0) into++;
        else out++;
      }
      expect(into).toBeGreaterThan(0);
      expect(out).toBeGreaterThan(0);
    });

    it('a count with counted ≠ system is followed by exactly one adjustment of counted − system (kind by the count), a count with counted = system by none', () => {
      const byCountId = new Map<string, AdjustmentTruth[]>();
      for (const a of adjustments) {
        expect(a.count_id, a.move_id).not.toBeNull();
        addTo(byCountId, a.count_id as string, a);
      }
      const countIds = new Set(counts.map((r) => r.count_id));
      for (const id of byCountId.keys()) expect(countIds.has(id), id).toBe(true);
      let equal = 0;
      for (const r of counts) {
        const list = byCountId.get(r.count_id) ?? [];
        const diff = r.counted_qty - r.system_qty;
        if (diff === 0) {
          expect(list, r.count_id).toEqual([]);
          equal++;
          continue;
        }
        expect(list.length, r.count_id).toBe(1);
        const a = list[0] as AdjustmentTruth;
        expect([a.qty, a.kind, a.sku, a.warehouse, a.location, a.unit_cost], r.count_id).toEqual([diff, expectedKind(r), r.sku, r.warehouse, r.location, r.unit_cost]);
        // A few milliseconds after the count, by the same clock.
        const lag = Date.parse(a.occurred_at) - Date.parse(r.occurred_at);
        expect(lag, r.count_id).toBeGreaterThan(0);
        expect(lag, r.count_id).toBeLessThan(1000);
        // Cycle-count reasons say which way the difference went.
        if (expectedKind(r) === 'count') expect(diff > 0 ? ['found'] : ['shrinkage', 'damage'], r.count_id).toContain(r.reason);
      }
      expect(equal).toBeGreaterThan(0);
      for (const r of counts) if (r.counted_qty === r.system_qty) expect(r.reason, r.count_id).toBe('cycle_count');
    });

    it('the anomalous adjustments are exactly the anomalous_adjustment labels', () => {
      const anomalous = labels.filter((l) => l.kind === 'anomalous_adjustment');
      expect(anomalous.length).toBeGreaterThan(0);
      const rows = adjustments.filter((a) => a.kind === 'anomalous');
      expect(rows.map((a) => [a.move_id, a.count_id])).toEqual(
        anomalous.map((l) => [l.move_id as string, l.count_id as string]).sort((a, b) => idNo(a[0] as string) - idNo(b[0] as string)),
      );
      const byCount = new Map(counts.map((r) => [r.count_id, r]));
      for (const a of rows) {
        const c = byCount.get(a.count_id as string) as CountTruth;
        expect([c.reason, c.miscount, ['svc-integration', 'temp-admin', 'intern-07'].includes(c.user)], a.move_id).toEqual([null, false, true]);
      }
    });
  });
}

describe('count and adjustment truth from the Simulation API', () => {
  it('is valid only after the stream is exhausted and equals what writeDataset writes', async () => {
    const opts: GeneratorOptions = { seed: 3, days: 20, skus: 8, warehouses: 2 };
    const dir = join(root, 'api');
    await writeDataset({ ...opts, out: dir });
    const sim = new Simulation(opts);
    expect(() => sim.countTruth().next()).toThrow(/exhausted/);
    expect(() => sim.adjustmentTruth().next()).toThrow(/exhausted/);
    for (const _ of sim.events());
    expect(jsonLines(sim.countTruth())).toBe(readFileSync(join(dir, 'truth', 'counts.jsonl'), 'utf8'));
    expect(jsonLines(sim.adjustmentTruth())).toBe(readFileSync(join(dir, 'truth', 'adjustments.jsonl'), 'utf8'));
    // A second run of the same instance starts from scratch (no rows carried over).
    for (const _ of sim.events());
    expect(jsonLines(sim.countTruth())).toBe(readFileSync(join(dir, 'truth', 'counts.jsonl'), 'utf8'));
    expect(jsonLines(sim.adjustmentTruth())).toBe(readFileSync(join(dir, 'truth', 'adjustments.jsonl'), 'utf8'));
  });
});
