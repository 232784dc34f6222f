import { describe, expect, it } from 'vitest';
import { eventKeys } from '../events/keys.js';
import { EXAMPLES } from '../events/examples.js';
import { eventId } from '../events/event-id.js';
import type { ErpEvent, ReservationEvent, StockMoveEvent } from '../events/schema.js';
import { LedgerProcessor } from './ledger.js';

/** A small seeded PRNG so failures reproduce. */
function rng(seed: number) {
  return () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

const LOCATIONS = [
  { location: 'WH1/Stock', usage: 'internal', warehouse: 'WH1' },
  { location: 'WH1/Quality', usage: 'internal', warehouse: 'WH1' },
  { location: 'WH2/Stock', usage: 'internal', warehouse: 'WH2' },
  { location: 'WH2/Transit', usage: 'transit', warehouse: 'WH2' },
  { location: 'Partners/Vendors', usage: 'supplier', warehouse: null },
  { location: 'Partners/Customers', usage: 'customer', warehouse: null },
] as const;

function randomEvents(seed: number): ErpEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const events: ErpEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const sku = pick(['A', 'B']);
    const from = pick(LOCATIONS);
    let to = pick(LOCATIONS);
    while (to === from) to = pick(LOCATIONS);
    const versions = r() < 0.15 ? 2 : 1; // some moves are corrected by a later version
    for (let v = 1; v <= versions; v++) {
      const move: StockMoveEvent = {
        ...EXAMPLES.stock_move,
        record_id: `m${i}`,
        move_id: `m${i}`,
        version: v,
        event_id: eventId('odoo-prod', 'stock_move', `m${i}`, v),
        occurred_at: new Date(Date.UTC(2025, 0, 1) + i * 3600_000 + v).toISOString(),
        sku,
        qty: 1 + Math.floor(r() * 20),
        from_location: from.location,
        from_usage: from.usage,
        from_warehouse: from.warehouse,
        to_location: to.location,
        to_usage: to.usage,
        to_warehouse: to.warehouse,
      };
      events.push(move);
    }
  }
  for (let i = 0; i < 80; i++) {
    const versions = 1 + Math.floor(r() * 3);
    const sku = pick(['A', 'B']);
    const loc = pick(LOCATIONS.filter((l) => l.usage === 'internal'));
    for (let v = 1; v <= versions; v++) {
      const res: ReservationEvent = {
        ...EXAMPLES.reservation,
        record_id: `r${i}`,
        reservation_id: `r${i}`,
        version: v,
        event_id: eventId('odoo-prod', 'reservation', `r${i}`, v),
        sku,
        warehouse: loc.warehouse,
        location: loc.location,
        qty_reserved: v === versions && r() < 0.5 ? 0 : Math.floor(r() * 10),
      };
      events.push(res);
    }
  }
  return events;
}

/** The obvious fold: latest version of each move and reservation, summed per sku × location. */
function expected(events: ErpEvent[]): Map<string, { qty: number; reserved: number }> {
  const latest = new Map<string, ErpEvent>();
  for (const e of events) {
    const id = `${e.type}:${e.record_id}`;
    if ((latest.get(id)?.version ?? 0) < e.version) latest.set(id, e);
  }
  const out = new Map<string, { qty: number; reserved: number }>();
  const at = (sku: string, location: string) => {
    const k = `${sku}|${location}`;
    if (!out.has(k)) out.set(k, { qty: 0, reserved: 0 });
    return out.get(k)!;
  };
  for (const e of latest.values()) {
    if (e.type === 'stock_move') {
      if (e.from_warehouse) at(e.sku, e.from_location).qty -= e.qty;
      if (e.to_warehouse) at(e.sku, e.to_location).qty += e.qty;
    } else if (e.type === 'reservation') at(e.sku, e.location).reserved += e.qty_reserved;
  }
  return out;
}

function run(events: ErpEvent[]): Map<string, { qty: number; reserved: number }> {
  const ledger = new LedgerProcessor();
  const rows: object[] = [];
  const out = { emit: (_t: string, row: object) => rows.push(row) };
  events.forEach((event, i) => {
    for (const key of eventKeys(event)) ledger.apply({ key, partition: 0, offset: i + 1, value: event }, out);
  });
  const result = new Map<string, { qty: number; reserved: number }>();
  for (const p of ledger.positions()) result.set(`${p.sku}|${p.location}`, { qty: p.qty, reserved: p.reserved });
  return result;
}

describe('LedgerProcessor', () => {
  it('equals the latest-version fold whatever the arrival order, with duplicates', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const events = randomEvents(seed);
      const want = expected(events);
      const r = rng(seed * 97);
      for (let trial = 0; trial < 5; trial++) {
        const shuffled = [...events, ...events.filter(() => r() < 0.1)];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const got = run(shuffled);
        for (const [k, v] of want) expect(got.get(k) ?? { qty: 0, reserved: 0 }, `seed ${seed} ${k}`).toEqual(v);
        for (const [k, v] of got) if (!want.has(k)) expect(v, k).toEqual({ qty: 0, reserved: 0 });
      }
    }
  });

  it('applies only its own warehouse side of a transfer', () => {
    const move = { ...EXAMPLES.stock_move, from_location: 'WH1/Stock', from_warehouse: 'WH1', to_location: 'WH2/Transit', to_usage: 'transit', to_warehouse: 'WH2' } as StockMoveEvent;
    expect(eventKeys(move)).toEqual(['SKU-0042@WH1', 'SKU-0042@WH2']);
    const ledger = new LedgerProcessor();
    const rows: Array<{ location: string; qty: number }> = [];
    ledger.apply({ key: 'SKU-0042@WH2', partition: 0, offset: 1, value: move }, { emit: (_t, r) => rows.push(r as never) });
    expect(rows.map((r) => [r.location, r.qty])).toEqual([['WH2/Transit', 500]]);
    expect(ledger.positions().map((p) => [p.location, p.qty])).toEqual([['WH2/Transit', 500]]);
  });
});
