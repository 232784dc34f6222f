import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateEvent } from '../../events/validate.js';
import { holdsStock } from '../../events/keys.js';
import type { ErpEvent } from '../../events/schema.js';
import { readJsonl, tempDir } from '../../testing/harness.js';
import { Simulation, type GeneratorOptions } from './simulation.js';
import { writeDataset } from './write-dataset.js';
import { EXCEPTION_KINDS, type LedgerRow } from './truth.js';
import { distinctEvents, keepLatest } from './truth-test-support.js';

const root = tempDir('gen');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runNo = 0;
async function generate(opts: GeneratorOptions) {
  const out = join(root, `run-${++runNo}`);
  const result = await writeDataset({ ...opts, out });
  const read = (rel: string) => readFileSync(join(out, rel), 'utf8');
  const rows = <T>(rel: string) => readJsonl<T>(join(out, rel));
  return { out, result, read, rows, lines: () => read('events.jsonl').split('\n').filter((l) => l.length > 0) };
}

const SMALL: GeneratorOptions = { seed: 1, days: 30, skus: 12, warehouses: 2 };
const MODERATE: GeneratorOptions = { seed: 1, days: 60, skus: 30, warehouses: 3 };
const FILES = ['events.jsonl', 'truth/ledger.jsonl', 'truth/exceptions.jsonl', 'truth/sales_lines.jsonl', 'truth/purchase_lines.jsonl', 'truth/summary.json'];

describe('determinism', () => {
  it('same options give byte-identical files; another seed gives different output', async () => {
    const a = await generate(SMALL);
    const b = await generate(SMALL);
    for (const f of FILES) expect(b.read(f), f).toBe(a.read(f));
    expect(a.result.events).toBeGreaterThan(500);
    expect(a.result.bytes).toBe(Buffer.byteLength(a.read('events.jsonl')));
    const c = await generate({ ...SMALL, seed: 2 });
    expect(c.read('events.jsonl')).not.toBe(a.read('events.jsonl'));
    expect(c.read('truth/ledger.jsonl')).not.toBe(a.read('truth/ledger.jsonl'));
  });

  it('Simulation.events() yields what writeDataset writes, and truth() needs an exhausted stream', async () => {
    const a = await generate(SMALL);
    const sim = new Simulation(SMALL);
    expect(() => sim.truth()).toThrow();
    const lines: string[] = [];
    for (const ev of sim.events()) {
      lines.push(JSON.stringify(ev));
      // A consumer that validates in place (which fills in ingested_at) must not change redeliveries.
      expect(validateEvent(ev, '2030-01-01T00:00:00.000Z').ok).toBe(true);
    }
    expect(lines).toEqual(a.lines());
    const truth = sim.truth();
    expect(truth.ledger.map((r) => JSON.stringify(r)).join('\n')).toBe(a.read('truth/ledger.jsonl').trimEnd());
    expect(truth.exceptions.map((r) => JSON.stringify(r)).join('\n')).toBe(a.read('truth/exceptions.jsonl').trimEnd());
  });
});

describe('the event stream', () => {
  it('is valid, realistic and perturbed at the default settings', async () => {
    const run = await generate(MODERATE);
    const lines = run.lines();
    const ingestedAt = '2030-01-01T00:00:00.000Z';
    const seen = new Set<string>();
    const resTimes = new Map<string, { version: number; at: string }[]>();
    let duplicates = 0;
    let outOfOrder = 0;
    let maxAt = '';
    let maxLagMs = 0;
    let versionInversions = 0;
    const latestVersion = new Map<string, number>();
    const types = new Set<string>();
    for (const line of lines) {
      expect(line).not.toContain('ingested_at');
      const v = validateEvent(JSON.parse(line), ingestedAt);
      if (!v.ok) throw new Error(`invalid event: ${v.reason}\n${line}`);
      const e = v.event;
      types.add(e.type);
      expect(e.source).toBe('generator');
      expect(e.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      if (seen.has(e.event_id)) {
        duplicates++;
        continue;
      }
      seen.add(e.event_id);
      if (e.occurred_at < maxAt) {
        outOfOrder++;
        maxLagMs = Math.max(maxLagMs, Date.parse(maxAt) - Date.parse(e.occurred_at));
      } else maxAt = e.occurred_at;
      const recKey = `${e.type}/${e.record_id}`;
      const prev = latestVersion.get(recKey) ?? 0;
      if (e.version < prev) versionInversions++;
      latestVersion.set(recKey, Math.max(prev, e.version));
      if (e.type === 'stock_move') {
        expect(e.qty).toBeGreaterThan(0);
        expect(Number.isInteger(e.qty)).toBe(true);
      }
      if (e.type === 'reservation') {
        const list = resTimes.get(e.reservation_id) ?? [];
        list.push({ version: e.version, at: e.occurred_at });
        resTimes.set(e.reservation_id, list);
        expect(e.record_id).toBe(e.reservation_id.replace('stock.move:', 'stock.move.line:'));
      }
    }
    expect([...types].sort()).toEqual(
      ['inventory_count', 'location', 'partner', 'product', 'purchase_order_line', 'quality_check', 'reservation', 'sales_order_line', 'stock_move', 'vendor_bill_line'].sort(),
    );
    // Redeliveries are byte-identical copies.
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    expect(lines.length - counts.size).toBe(duplicates);
    expect(duplicates).toBeGreaterThan(0);
    expect(outOfOrder).toBeGreaterThan(0);
    expect(versionInversions).toBeGreaterThan(0);
    // Lateness is bounded by maxDays (3) plus the redelivery delay.
    expect(maxLagMs).toBeLessThanOrEqual(3 * 86_400_000 + 3 * 3_600_000);

    // Versions of one reservation: contiguous from 1 and strictly increasing in time.
    let multi = 0;
    for (const [id, list] of resTimes) {
      list.sort((a, b) => a.version - b.version);
      list.forEach((r, i) => expect(r.version, id).toBe(i + 1));
      for (let i = 1; i < list.length; i++) expect((list[i] as { at: string }).at > (list[i - 1] as { at: string }).at, id).toBe(true);
      if (list.length > 1) multi++;
    }
    expect(multi).toBeGreaterThan(100);
  });

  it('honours lateness and duplicate settings of zero', async () => {
    const run = await generate({ ...SMALL, lateness: { maxDays: 3, share: 0 }, duplicateShare: 0 });
    const lines = run.lines();
    expect(new Set(lines).size).toBe(lines.length);
    // Only the small within-day shuffle remains: never more than a day out of order.
    let maxAt = 0;
    for (const line of lines) {
      const at = Date.parse((JSON.parse(line) as ErpEvent).occurred_at);
      expect(maxAt - at).toBeLessThan(86_400_000);
      maxAt = Math.max(maxAt, at);
    }
  });
});

/** An obviously-correct fold of the file: deduplicated moves, latest version of each reservation. */
function foldLedger(lines: string[]): LedgerRow[] {
  const locations = new Map<string, { usage: string; quarantine: boolean; warehouse: string | null }>();
  const qty = new Map<string, number>();
  const reservations = new Map<string, { version: number; key: string; qty: number }>();
  const key = (sku: string, loc: string) => `${sku}\u0000${loc}`;
  for (const e of distinctEvents(lines)) {
    if (e.type === 'location') locations.set(e.location, { usage: e.usage, quarantine: e.quarantine, warehouse: e.warehouse });
    if (e.type === 'stock_move') {
      if (holdsStock(e.from_usage)) qty.set(key(e.sku, e.from_location), (qty.get(key(e.sku, e.from_location)) ?? 0) - e.qty);
      if (holdsStock(e.to_usage)) qty.set(key(e.sku, e.to_location), (qty.get(key(e.sku, e.to_location)) ?? 0) + e.qty);
    }
    if (e.type === 'reservation') {
      keepLatest(reservations, e.reservation_id, { version: e.version, key: key(e.sku, e.location), qty: e.qty_reserved });
    }
  }
  const reserved = new Map<string, number>();
  for (const r of reservations.values()) reserved.set(r.key, (reserved.get(r.key) ?? 0) + r.qty);
  const keys = new Set([...qty.keys(), ...reserved.keys()]);
  const rows: LedgerRow[] = [];
  for (const k of keys) {
    const [sku, location] = k.split('\u0000') as [string, string];
    const loc = locations.get(location);
    if (!loc) throw new Error(`unknown location ${location}`);
    const q = qty.get(k) ?? 0;
    const onHand = loc.usage === 'internal' ? q : 0;
    const quarantined = loc.quarantine ? q : 0;
    const res = reserved.get(k) ?? 0;
    rows.push({
      sku,
      location,
      warehouse: loc.warehouse ?? '',
      on_hand: onHand,
      reserved: res,
      in_transit: loc.usage === 'transit' ? q : 0,
      quarantined,
      available: onHand - quarantined - res,
    });
  }
  return rows.sort((a, b) => (a.sku !== b.sku ? (a.sku < b.sku ? -1 : 1) : a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
}

describe('ground truth', () => {
  for (const seed of [1, 2, 3]) {
    it(`ledger.jsonl equals an independent fold of events.jsonl (seed ${seed})`, async () => {
      const run = await generate({ seed, days: 45, skus: 15, warehouses: 3 });
      const truth = run.rows<LedgerRow>('truth/ledger.jsonl');
      const folded = foldLedger(run.lines());
      expect(truth).toEqual(folded);
      expect(truth.length).toBeGreaterThan(15 * 3);
      for (const r of truth) {
        for (const v of [r.on_hand, r.reserved, r.in_transit, r.quarantined, r.available]) {
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
        }
      }
      expect(truth.some((r) => r.reserved > 0)).toBe(true);
      expect(truth.some((r) => r.location.endsWith('/Quality'))).toBe(true);
      expect(truth.some((r) => r.location.endsWith('/Transit'))).toBe(true);
    });
  }

  it('works with one warehouse (no transfers) and a custom start and company', async () => {
    const run = await generate({ seed: 9, days: 20, skus: 5, warehouses: 1, start: '2024-02-20', company: 'acme' });
    const lines = run.lines();
    for (const line of lines) {
      const v = validateEvent(JSON.parse(line), '2030-01-01T00:00:00Z');
      if (!v.ok) throw new Error(v.reason);
      expect(v.event.company).toBe('acme');
      expect(v.event.occurred_at >= '2024-02-20').toBe(true);
    }
    expect(lines.some((l) => l.includes('"occurred_at":"2024-02-29T'))).toBe(true);
    const truth = run.rows<LedgerRow>('truth/ledger.jsonl');
    expect(truth).toEqual(foldLedger(lines));
    expect(truth.every((r) => r.warehouse === 'WH1' && r.in_transit === 0)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => new Simulation({ seed: 1, days: 0, skus: 1, warehouses: 1 })).toThrow(/days/);
    expect(() => new Simulation({ seed: 1.5, days: 1, skus: 1, warehouses: 1 })).toThrow(/seed/);
    expect(() => new Simulation({ seed: 1, days: 1, skus: 1, warehouses: 1, start: '2025-13-01' })).toThrow(/start/);
  });

  it('labels every exception kind at a moderate size, with well-formed labels', async () => {
    const run = await generate(MODERATE);
    const labels = run.rows<Record<string, unknown>>('truth/exceptions.jsonl');
    const byKind = new Map<string, number>();
    for (const l of labels) {
      byKind.set(l.kind as string, (byKind.get(l.kind as string) ?? 0) + 1);
      expect(Object.keys(l).slice(0, 4)).toEqual(['kind', 'day', 'sku', 'warehouse']);
      expect(l.day).toMatch(/^2025-\d{2}-\d{2}$/);
      expect(typeof l.detail).toBe('string');
    }
    for (const kind of EXCEPTION_KINDS) expect(byKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
    expect(Object.fromEntries(byKind)).toEqual(Object.fromEntries(Object.entries(run.result.truth).filter(([, n]) => n > 0)));
    const summary = JSON.parse(run.read('truth/summary.json')) as { truth: { exceptions_by_kind: Record<string, number> }; events: { lines: number } };
    expect(summary.truth.exceptions_by_kind).toEqual(run.result.truth);
    expect(summary.events.lines).toBe(run.result.events);

    // Labels point at documents that exist in the stream, with the properties the label claims.
    const events = new Map<string, ErpEvent>();
    for (const line of run.lines()) {
      const e = JSON.parse(line) as ErpEvent;
      keepLatest(events, `${e.type}/${e.record_id}`, e);
    }
    const get = <T extends ErpEvent['type']>(type: T, id: unknown) => {
      const e = events.get(`${type}/${String(id)}`);
      if (!e) throw new Error(`${type} ${String(id)} not in the stream`);
      return e as Extract<ErpEvent, { type: T }>;
    };
    for (const l of labels) {
      switch (l.kind) {
        case 'late_delivery': {
          const line = get('sales_order_line', l.sales_line_id);
          const move = get('stock_move', l.move_id);
          expect(line.state).toBe('done');
          expect(move.occurred_at > (line.committed_date ?? '')).toBe(true);
          break;
        }
        case 'late_receipt': {
          const po = get('purchase_order_line', l.purchase_line_id);
          expect(get('stock_move', l.move_id).occurred_at > po.planned_date).toBe(true);
          break;
        }
        case 'mispriced_po': {
          const po = get('purchase_order_line', l.purchase_line_id);
          expect(po.unit_price).toBeGreaterThan(0);
          break;
        }
        case 'mispriced_bill': {
          const bill = get('vendor_bill_line', l.bill_line_id);
          expect(bill.unit_price).not.toBe(get('purchase_order_line', l.purchase_line_id).unit_price);
          break;
        }
        case 'duplicate_po': {
          const a = get('purchase_order_line', l.purchase_line_id);
          const b = get('purchase_order_line', l.duplicate_purchase_line_id);
          expect([b.sku, b.warehouse, b.vendor, b.qty_ordered, b.unit_price]).toEqual([a.sku, a.warehouse, a.vendor, a.qty_ordered, a.unit_price]);
          expect(Date.parse(b.ordered_at) - Date.parse(a.ordered_at)).toBeLessThan(86_400_000);
          break;
        }
        case 'anomalous_adjustment': {
          const c = get('inventory_count', l.count_id);
          expect(c.reason).toBeNull();
          expect(Math.abs(c.counted_qty - c.system_qty)).toBeGreaterThanOrEqual(60);
          expect(Number(c.occurred_at.slice(11, 13))).toBeLessThan(5);
          break;
        }
        case 'miscount':
          get('inventory_count', l.count_id);
          break;
        default:
          break;
      }
    }
  });
});
