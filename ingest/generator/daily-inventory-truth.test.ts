/**
 * truth/daily_inventory.jsonl (taken from the simulation's state) against an independent event-time
 * fold of events.jsonl (stock moves, location and product master data, sales order lines), against
 * truth/ledger.jsonl and truth/sales_lines.jsonl; plus what a fold in file order would get wrong.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpEvent } from '../../events/schema.js';
import { readJsonl, tempDir } from '../../testing/harness.js';
import { Simulation, type GeneratorOptions } from './simulation.js';
import type { DailyInventoryTruth, LedgerRow, SalesLineTruth } from './truth.js';
import { byOccurredAt, distinctEvents, eventLines, jsonLines, keepLatest } from './truth-test-support.js';
import { writeDataset } from './write-dataset.js';

const root = tempDir('daily-inventory-truth');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIELDS = ['day', 'warehouse', 'on_hand_qty', 'on_hand_value', 'cogs', 'shipped_qty', 'demand_qty'];
const DAY_MS = 86_400_000;

type MoveEvent = Extract<ErpEvent, { type: 'stock_move' }>;
type LineEvent = Extract<ErpEvent, { type: 'sales_order_line' }>;
interface LocationInfo {
  usage: string;
  warehouse: string | null;
  quarantine: boolean;
}

/**
 * What the file says, without the simulation: moves and sales lines at their highest version
 * (redeliveries dropped), location and product master data; and, as a foil, the on-hand qty per
 * warehouse that a fold in file order would report for a day when the file first shows a later day.
 */
function foldEvents(lines: string[]) {
  const moves = new Map<string, MoveEvent>();
  const salesLines = new Map<string, LineEvent>();
  const locations = new Map<string, LocationInfo>();
  const costs = new Map<string, number>();
  const fileOrderOnHand = new Map<string, number>();
  const running = new Map<string, number>();
  let fileDay = '';
  let movesAfterLaterDay = 0;
  for (const e of distinctEvents(lines)) {
    const day = e.occurred_at.slice(0, 10);
    if (day > fileDay) {
      // The file moves on to a later day: what a file-order fold believes the earlier day ended with.
      if (fileDay !== '') for (const [wh, q] of running) fileOrderOnHand.set(`${fileDay}|${wh}`, q);
      fileDay = day;
    }
    if (e.type === 'location') {
      locations.set(e.location, { usage: e.usage, warehouse: e.warehouse, quarantine: e.quarantine });
    } else if (e.type === 'product') {
      costs.set(e.sku, e.unit_cost);
    } else if (e.type === 'stock_move') {
      keepLatest(moves, e.move_id, e);
      if (day < fileDay) movesAfterLaterDay++;
      for (const [loc, sign] of [
        [e.from_location, -1],
        [e.to_location, 1],
      ] as const) {
        const l = locations.get(loc);
        if (l?.usage === 'internal' && l.warehouse) running.set(l.warehouse, (running.get(l.warehouse) ?? 0) + sign * e.qty);
      }
    } else if (e.type === 'sales_order_line') {
      keepLatest(salesLines, e.line_id, e);
    }
  }
  return { moves, salesLines, locations, costs, fileOrderOnHand, movesAfterLaterDay };
}

const dayOf = (start: string, i: number) => new Date(Date.parse(`${start}T00:00:00.000Z`) + i * DAY_MS).toISOString().slice(0, 10);
const cents = (unitCost: number) => Math.round(unitCost * 100);
const key = (day: string, wh: string) => `${day}|${wh}`;

const CASES: { name: string; opts: GeneratorOptions }[] = [
  { name: 'seed 1', opts: { seed: 1, days: 60, skus: 30, warehouses: 3 } },
  { name: 'seed 2', opts: { seed: 2, days: 60, skus: 30, warehouses: 3 } },
  // Eleven warehouses: WH10 and WH11 sort before WH2; quiet days and warehouses.
  { name: 'seed 3, 11 warehouses', opts: { seed: 3, days: 20, skus: 3, warehouses: 11 } },
];

for (const { name, opts } of CASES) {
  describe(`daily inventory truth (${name})`, () => {
    const start = opts.start ?? '2025-01-01';
    const whIds = Array.from({ length: opts.warehouses }, (_, i) => `WH${i + 1}`);
    let dir: string;
    let rows: DailyInventoryTruth[];
    let byKey: Map<string, DailyInventoryTruth>;
    let ev: ReturnType<typeof foldEvents>;

    beforeAll(async () => {
      dir = join(root, name.replace(/[^a-z0-9]+/gi, '-'));
      await writeDataset({ ...opts, out: dir });
      rows = readJsonl<DailyInventoryTruth>(join(dir, 'truth', 'daily_inventory.jsonl'));
      byKey = new Map(rows.map((r) => [key(r.day, r.warehouse), r]));
      ev = foldEvents(eventLines(dir));
    });

    it('has one row per day of the run × warehouse, sorted by day then warehouse id (string order), with exactly the documented fields', () => {
      const sortedIds = [...whIds].sort();
      const expected: string[] = [];
      for (let d = 0; d < opts.days; d++) for (const wh of sortedIds) expected.push(key(dayOf(start, d), wh));
      expect(rows.map((r) => key(r.day, r.warehouse))).toEqual(expected);
      // The warehouses of the master data, no more.
      expect([...new Set([...ev.locations.values()].map((l) => l.warehouse).filter((w) => w !== null))].sort()).toEqual(sortedIds);
      if (opts.warehouses >= 10) expect(sortedIds.indexOf('WH10')).toBeLessThan(sortedIds.indexOf('WH2'));
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(FIELDS);
        for (const f of ['on_hand_qty', 'shipped_qty', 'demand_qty'] as const) expect(Number.isInteger(r[f]), `${f} ${key(r.day, r.warehouse)}`).toBe(true);
        // Money is exact cents, written as cents / 100.
        for (const f of ['on_hand_value', 'cogs'] as const) expect(r[f], `${f} ${key(r.day, r.warehouse)}`).toBe(cents(r[f]) / 100);
        expect(r.on_hand_qty).toBeGreaterThanOrEqual(0);
        expect(r.shipped_qty).toBeGreaterThanOrEqual(0);
      }
    });

    it('on_hand_qty and on_hand_value equal an event-time fold of the stock moves (internal locations, quarantine included, transit not) to the end of each day, valued at the product events’ unit cost', () => {
      const sorted = [...ev.moves.values()].sort(byOccurredAt);
      // Per warehouse × sku at internal locations; plus per slot kind, to see quarantine and transit matter.
      const qty = new Map<string, number>();
      const quarantine = new Map<string, number>();
      const transit = new Map<string, number>();
      const add = (m: Map<string, number>, k: string, q: number) => m.set(k, (m.get(k) ?? 0) + q);
      let m = 0;
      let withQuarantine = 0;
      let withTransit = 0;
      let changedDays = 0;
      let unchangedDays = 0;
      let prev = new Map<string, number>();
      for (let d = 0; d < opts.days; d++) {
        const day = dayOf(start, d);
        const end = `${dayOf(start, d + 1)}T00:00:00.000Z`;
        for (; m < sorted.length && (sorted[m] as MoveEvent).occurred_at < end; m++) {
          const mv = sorted[m] as MoveEvent;
          for (const [loc, sign] of [
            [mv.from_location, -1],
            [mv.to_location, 1],
          ] as const) {
            const l = ev.locations.get(loc);
            if (!l) throw new Error(`${mv.move_id}: location ${loc} has no master data`);
            if (l.usage === 'internal') add(qty, `${l.warehouse}|${mv.sku}`, sign * mv.qty);
            if (l.quarantine) add(quarantine, l.warehouse as string, sign * mv.qty);
            if (l.usage === 'transit') add(transit, l.warehouse as string, sign * mv.qty);
          }
        }
        const onHand = new Map<string, { qty: number; cents: number; value: number }>();
        for (const [k, q] of qty) {
          const [wh, sku] = k.split('|') as [string, string];
          const cost = ev.costs.get(sku);
          if (cost === undefined) throw new Error(`${sku} has no product event`);
          const o = onHand.get(wh) ?? { qty: 0, cents: 0, value: 0 };
          o.qty += q;
          o.cents += q * cents(cost);
          o.value += q * cost;
          onHand.set(wh, o);
        }
        for (const wh of whIds) {
          const r = byKey.get(key(day, wh)) as DailyInventoryTruth;
          const o = onHand.get(wh) ?? { qty: 0, cents: 0, value: 0 };
          expect(r.on_hand_qty, key(day, wh)).toBe(o.qty);
          expect(r.on_hand_value, key(day, wh)).toBe(o.cents / 100);
          expect(Math.abs(r.on_hand_value - o.value), key(day, wh)).toBeLessThan(1e-6 * Math.max(1, o.value));
          if ((quarantine.get(wh) ?? 0) > 0) withQuarantine++;
          if ((transit.get(wh) ?? 0) > 0) withTransit++;
          if (d > 0) {
            if (prev.get(wh) === o.qty) unchangedDays++;
            else changedDays++;
          }
        }
        prev = new Map(whIds.map((wh) => [wh, onHand.get(wh)?.qty ?? 0]));
      }
      expect(m).toBe(sorted.length);
      // Including the quarantine location and excluding transit change the result on some days.
      expect(withQuarantine).toBeGreaterThan(0);
      if (opts.warehouses >= 2) expect(withTransit).toBeGreaterThan(0);
      expect(changedDays).toBeGreaterThan(0);
      if (opts.skus < 10) expect(unchangedDays).toBeGreaterThan(0);
    });

    it('the last day’s on_hand_qty and on_hand_value are what truth/ledger.jsonl’s on_hand sums to per warehouse', () => {
      const ledger = readJsonl<LedgerRow>(join(dir, 'truth', 'ledger.jsonl'));
      const last = dayOf(start, opts.days - 1);
      for (const wh of whIds) {
        const rowsOf = ledger.filter((l) => l.warehouse === wh);
        const r = byKey.get(key(last, wh)) as DailyInventoryTruth;
        expect(r.on_hand_qty, wh).toBe(rowsOf.reduce((a, l) => a + l.on_hand, 0));
        expect(r.on_hand_value, wh).toBe(rowsOf.reduce((a, l) => a + l.on_hand * cents(ev.costs.get(l.sku) as number), 0) / 100);
      }
      expect(rows.some((r) => r.on_hand_qty > 0)).toBe(true);
    });

    it('cogs and shipped_qty equal a fold of the customer deliveries per day (event time) at the move’s unit cost, net of returns, and add up to sales_lines.jsonl’s delivered_qty', () => {
      const shipped = new Map<string, { qty: number; cents: number }>();
      let deliveries = 0;
      let returns = 0;
      for (const mv of ev.moves.values()) {
        const from = ev.locations.get(mv.from_location) as LocationInfo;
        const to = ev.locations.get(mv.to_location) as LocationInfo;
        let wh: string | null;
        let sign: number;
        if (to.usage === 'customer') {
          wh = from.warehouse;
          sign = 1;
          deliveries++;
        } else if (from.usage === 'customer') {
          wh = to.warehouse;
          sign = -1;
          returns++;
        } else continue;
        const k = key(mv.occurred_at.slice(0, 10), wh as string);
        const s = shipped.get(k) ?? { qty: 0, cents: 0 };
        s.qty += sign * mv.qty;
        s.cents += sign * mv.qty * cents(mv.unit_cost);
        shipped.set(k, s);
      }
      expect(deliveries).toBeGreaterThan(0);
      // The simulation has no customer returns (documented in truth.ts).
      expect(returns).toBe(0);
      for (const r of rows) {
        const s = shipped.get(key(r.day, r.warehouse)) ?? { qty: 0, cents: 0 };
        expect([r.shipped_qty, r.cogs], key(r.day, r.warehouse)).toEqual([s.qty, s.cents / 100]);
      }
      for (const k of shipped.keys()) expect(byKey.has(k), k).toBe(true);
      // The same goods as the sales lines' deliveries.
      const sales = readJsonl<SalesLineTruth>(join(dir, 'truth', 'sales_lines.jsonl'));
      for (const wh of whIds) {
        expect(rows.filter((r) => r.warehouse === wh).reduce((a, r) => a + r.shipped_qty, 0), wh).toBe(sales.filter((l) => l.warehouse === wh).reduce((a, l) => a + l.delivered_qty, 0));
      }
      // Days with nothing shipped exist (day 0 at least): they are rows too.
      expect(rows.some((r) => r.shipped_qty === 0 && r.cogs === 0)).toBe(true);
    });

    it('demand_qty equals a fold of the sales_order_line events (last version: ordered_at day, qty_ordered), cancelled lines included', () => {
      const demand = new Map<string, number>();
      let cancelled = 0;
      let laterVersions = 0;
      for (const l of ev.salesLines.values()) {
        const k = key(l.ordered_at.slice(0, 10), l.warehouse);
        demand.set(k, (demand.get(k) ?? 0) + l.qty_ordered);
        if (l.state === 'cancelled') cancelled++;
        if (l.version > 1 && l.occurred_at.slice(0, 10) !== l.ordered_at.slice(0, 10)) laterVersions++;
      }
      for (const r of rows) expect(r.demand_qty, key(r.day, r.warehouse)).toBe(demand.get(key(r.day, r.warehouse)) ?? 0);
      for (const k of demand.keys()) expect(byKey.has(k), k).toBe(true);
      // The same lines as sales_lines.jsonl.
      const sales = readJsonl<SalesLineTruth>(join(dir, 'truth', 'sales_lines.jsonl'));
      expect(rows.reduce((a, r) => a + r.demand_qty, 0)).toBe(sales.reduce((a, l) => a + l.qty_ordered, 0));
      // Versions on later days (done, cancelled) exist: the day is ordered_at's, not the version's.
      expect(laterVersions).toBeGreaterThan(0);
      if (opts.skus >= 30) expect(cancelled).toBeGreaterThan(0);
    });

    it('is by event time: moves are emitted after events of a later day, and a fold in file order gets some end-of-day on hand wrong', () => {
      expect(ev.movesAfterLaterDay).toBeGreaterThan(0);
      let differs = 0;
      for (const [k, q] of ev.fileOrderOnHand) if ((byKey.get(k) as DailyInventoryTruth).on_hand_qty !== q) differs++;
      expect(ev.fileOrderOnHand.size).toBeGreaterThan(0);
      expect(differs).toBeGreaterThan(0);
    });
  });
}

describe('daily inventory truth from the Simulation API', () => {
  it('is valid only after the stream is exhausted and equals what writeDataset writes', async () => {
    const opts: GeneratorOptions = { seed: 3, days: 20, skus: 8, warehouses: 2 };
    const dir = join(root, 'api');
    await writeDataset({ ...opts, out: dir });
    const sim = new Simulation(opts);
    expect(() => sim.dailyInventoryTruth().next()).toThrow(/exhausted/);
    for (const _ of sim.events());
    const file = readFileSync(join(dir, 'truth', 'daily_inventory.jsonl'), 'utf8');
    expect(file.split('\n').length - 1).toBe(opts.days * opts.warehouses);
    expect(jsonLines(sim.dailyInventoryTruth())).toBe(file);
    // A second run of the same instance starts from scratch (no changes carried over).
    for (const _ of sim.events());
    expect(jsonLines(sim.dailyInventoryTruth())).toBe(file);
  });
});
