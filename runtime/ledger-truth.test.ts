import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { queryLedger } from '../store/ledger-query.js';
import { readJsonl, runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';

type Row = { sku: string; location: string; warehouse: string; on_hand: number; reserved: number; in_transit: number; quarantined: number; available: number };
const QUANTITIES = ['on_hand', 'reserved', 'in_transit', 'quarantined', 'available'] as const;

function byKey(rows: Row[]): Map<string, Row> {
  return new Map(rows.map((r) => [`${r.sku}|${r.location}`, r]));
}

/** The position at T folded straight from the file: latest version by T of each move and reservation. */
function foldAsOf(events: ErpEvent[], asOf: string, quarantine: Set<string>): Map<string, Omit<Row, 'warehouse'>> {
  const t = Date.parse(asOf);
  const latest = new Map<string, ErpEvent>();
  for (const e of events) {
    if ((e.type !== 'stock_move' && e.type !== 'reservation') || Date.parse(e.occurred_at) > t) continue;
    const id = `${e.type}:${e.record_id}`;
    if ((latest.get(id)?.version ?? 0) < e.version) latest.set(id, e);
  }
  const qty = new Map<string, { usage: string; qty: number; reserved: number; sku: string; location: string }>();
  const at = (sku: string, location: string, usage: string) => {
    const k = `${sku}|${location}`;
    if (!qty.has(k)) qty.set(k, { usage, qty: 0, reserved: 0, sku, location });
    return qty.get(k)!;
  };
  for (const e of latest.values()) {
    if (e.type === 'stock_move') {
      if (e.from_usage === 'internal' || e.from_usage === 'transit') at(e.sku, e.from_location, e.from_usage).qty -= e.qty;
      if (e.to_usage === 'internal' || e.to_usage === 'transit') at(e.sku, e.to_location, e.to_usage).qty += e.qty;
    } else if (e.type === 'reservation') at(e.sku, e.location, 'internal').reserved += e.qty_reserved;
  }
  const out = new Map<string, Omit<Row, 'warehouse'>>();
  for (const [k, p] of qty) {
    const onHand = p.usage === 'internal' ? p.qty : 0;
    const quarantined = p.usage === 'internal' && quarantine.has(p.location) ? p.qty : 0;
    out.set(k, { sku: p.sku, location: p.location, on_hand: onHand, reserved: p.reserved, in_transit: p.usage === 'transit' ? p.qty : 0, quarantined, available: onHand - quarantined - p.reserved });
  }
  return out;
}

describe.each([1, 2, 3])('generator seed %i through the embedded pipeline', (seed) => {
  it('gives the generator truth for every sku × location, live and as of the end; as of mid-run it equals a fold of the file', async () => {
    const dir = tempDir(`truth-${seed}`);
    await writeDataset({ seed, days: 90, skus: 30, warehouses: 3, out: dir });
    const truth = byKey(readJsonl<Row>(join(dir, 'truth', 'ledger.jsonl')));
    const events = readJsonl<ErpEvent>(join(dir, 'events.jsonl'));
    expect(truth.size).toBeGreaterThan(100);

    await withStore(join(dir, 'data'), async (store) => {
      const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 1000 });
      const summary = await runInputs(store, config, [join(dir, 'events.jsonl')]);
      expect(summary.dead_lettered).toBe(0);
      expect(summary.events_read).toBe(events.length);
      expect(summary.duplicates).toBeGreaterThan(0); // the generator redelivers some events

      const live = byKey(await queryLedger(store));
      const end = byKey(await queryLedger(store, { asOf: '2100-01-01T00:00:00Z' }));
      for (const [name, got] of [['live', live], ['as of the end', end]] as const) {
        expect([...got.keys()].sort(), name).toEqual([...truth.keys()].sort());
        for (const [key, want] of truth) {
          for (const q of QUANTITIES) expect(got.get(key)![q], `${name} ${key} ${q}`).toBeCloseTo(want[q], 9);
        }
      }

      // The negative-stock rule's query: exactly the positions below zero in the truth (none here; alerts/rules.test.ts has some).
      const negative = [...truth].filter(([, t]) => t.on_hand < -1e-9 || t.available < -1e-9).map(([key]) => key);
      expect([...byKey(await queryLedger(store, { negativeOnly: true })).keys()].sort()).toEqual(negative.sort());

      const quarantine = new Set(events.flatMap((e) => (e.type === 'location' && e.quarantine ? [e.location] : [])));
      const times = events.map((e) => e.occurred_at).sort();
      const mid = times[Math.floor(times.length / 2)]!;
      const want = foldAsOf(events, mid, quarantine);
      const got = byKey(await queryLedger(store, { asOf: mid }));
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, w] of want) for (const q of QUANTITIES) expect(got.get(key)![q], `as of ${mid} ${key} ${q}`).toBeCloseTo(w[q], 9);
    });
  });
});
