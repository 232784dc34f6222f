import type { BusRecord } from '../bus/bus.js';
import { holdsStock, skuKey } from '../events/keys.js';
import type { ReservationEvent, StockMoveEvent } from '../events/schema.js';
import type { LoggedEvent } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { Emitter, Processor } from './processor.js';

/** Quantity held at one location of the key's warehouse. */
interface Position {
  location: string;
  usage: string;
  qty: number;
  reserved: number;
  dirty: boolean;
}

/** The stock-holding sides of one move version in this warehouse: [location, usage, signed qty]. */
type Leg = [location: string, usage: string, qty: number];

interface KeyState {
  company: string;
  sku: string;
  warehouse: string;
  positions: Map<string, Position>;
  /** Latest applied version of each move, with its legs, so that a correction replaces it exactly. */
  moves: Map<string, { version: number; legs: Leg[] }>;
  reservations: Map<string, { version: number; location: string; qty: number }>;
  lastOffset: number;
}

/**
 * The stock ledger per sku × location: quantity (from done moves) and reservations.
 *
 * Order-independent by construction: a position is a sum of move contributions, and each move and
 * reservation contributes only its highest version. So events arriving late or out of order, and
 * duplicates, give the same state as the stream in event-time order. Every version is also written
 * to `ledger_movements` / `ledger_reservations`, from which positions at any past time are queried.
 * The buckets (on hand, quarantined, in transit, available) are a reading of these quantities by
 * location; see `store/ledger-query.ts`.
 */
export class LedgerProcessor implements Processor {
  readonly name = 'ledger';
  private readonly keys = new Map<string, KeyState>();
  private readonly dirty = new Set<KeyState>();

  apply({ key, value: { offset, event: e } }: BusRecord<LoggedEvent>, out: Emitter): void {
    if (e.type === 'stock_move') this.applyMove(key, offset, e, out);
    else if (e.type === 'reservation') this.applyReservation(offset, e, out);
  }

  flush(out: Emitter): void {
    for (const state of this.dirty) {
      for (const p of state.positions.values()) {
        if (!p.dirty) continue;
        p.dirty = false;
        out.emit('ledger_positions', {
          company: state.company,
          sku: state.sku,
          warehouse: state.warehouse,
          location: p.location,
          usage: p.usage,
          qty: p.qty,
          reserved: p.reserved,
          log_offset: state.lastOffset,
        });
      }
    }
    this.dirty.clear();
  }

  /** Live positions (for tests and later processors). */
  positions(): Array<{ company: string; sku: string; warehouse: string; location: string; usage: string; qty: number; reserved: number }> {
    const rows = [];
    for (const s of this.keys.values()) {
      for (const p of s.positions.values()) rows.push({ company: s.company, sku: s.sku, warehouse: s.warehouse, location: p.location, usage: p.usage, qty: p.qty, reserved: p.reserved });
    }
    return rows;
  }

  private applyMove(key: string, offset: number, e: StockMoveEvent, out: Emitter): void {
    const warehouse = key.slice(key.lastIndexOf('@') + 1);
    const legs: Leg[] = [];
    if (holdsStock(e.from_usage) && e.from_warehouse === warehouse) legs.push([e.from_location, e.from_usage, -e.qty]);
    if (holdsStock(e.to_usage) && e.to_warehouse === warehouse) legs.push([e.to_location, e.to_usage, e.qty]);
    for (const [location, usage, qty] of legs) {
      const outgoing = qty < 0;
      out.emit('ledger_movements', {
        company: e.company,
        sku: e.sku,
        warehouse,
        location,
        usage,
        move_id: e.move_id,
        version: e.version,
        qty,
        counterpart: outgoing ? e.to_location : e.from_location,
        counterpart_usage: outgoing ? e.to_usage : e.from_usage,
        unit_cost: e.unit_cost,
        sales_line_id: e.sales_line_id,
        purchase_line_id: e.purchase_line_id,
        occurred_at: e.occurred_at,
        event_id: e.event_id,
        log_offset: offset,
      });
    }
    const state = this.state(e.company, e.sku, warehouse, offset);
    const previous = state.moves.get(e.move_id);
    if (previous && previous.version >= e.version) return; // a duplicate or an older version
    if (previous) for (const [location, usage, qty] of previous.legs) this.add(state, location, usage, -qty, 0);
    for (const [location, usage, qty] of legs) this.add(state, location, usage, qty, 0);
    state.moves.set(e.move_id, { version: e.version, legs });
  }

  private applyReservation(offset: number, e: ReservationEvent, out: Emitter): void {
    out.emit('ledger_reservations', {
      company: e.company,
      sku: e.sku,
      warehouse: e.warehouse,
      location: e.location,
      reservation_id: e.reservation_id,
      version: e.version,
      qty_reserved: e.qty_reserved,
      occurred_at: e.occurred_at,
      event_id: e.event_id,
      log_offset: offset,
    });
    const state = this.state(e.company, e.sku, e.warehouse, offset);
    const previous = state.reservations.get(e.reservation_id);
    if (previous && previous.version >= e.version) return;
    if (previous) this.add(state, previous.location, undefined, 0, -previous.qty);
    this.add(state, e.location, undefined, 0, e.qty_reserved);
    state.reservations.set(e.reservation_id, { version: e.version, location: e.location, qty: e.qty_reserved });
  }

  private state(company: string, sku: string, warehouse: string, offset: number): KeyState {
    const id = `${company}\u0000${skuKey(sku, warehouse)}`;
    let s = this.keys.get(id);
    if (!s) {
      s = { company, sku, warehouse, positions: new Map(), moves: new Map(), reservations: new Map(), lastOffset: 0 };
      this.keys.set(id, s);
    }
    if (offset > s.lastOffset) s.lastOffset = offset;
    this.dirty.add(s);
    return s;
  }

  private add(state: KeyState, location: string, usage: string | undefined, qty: number, reserved: number): void {
    let p = state.positions.get(location);
    if (!p) {
      // A reservation can precede the first move at its location; reservations are made on stock locations.
      p = { location, usage: usage ?? 'internal', qty: 0, reserved: 0, dirty: true };
      state.positions.set(location, p);
    }
    if (usage) p.usage = usage;
    p.qty += qty;
    p.reserved += reserved;
    p.dirty = true;
  }

  async restore(store: Store, committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void> {
    const upto = Math.max(0, ...committed.values());
    if (upto === 0) return;
    const covered = (sku: string, warehouse: string, logOffset: number) =>
      logOffset <= (committed.get(partitionOf(skuKey(sku, warehouse))) ?? 0);

    type MoveRow = { company: string; sku: string; warehouse: string; location: string; usage: string; move_id: string; version: number; qty: number; log_offset: number };
    const moveLegs = new Map<string, { state: KeyState; version: number; legs: Leg[] }>();
    for await (const rows of store.queryChunks<MoveRow>(
      `SELECT company, sku, warehouse, location, usage, move_id, version, qty, log_offset
       FROM ledger_movements FINAL WHERE log_offset <= {upto:UInt64}`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(r.sku, r.warehouse, r.log_offset)) continue;
        const state = this.state(r.company, r.sku, r.warehouse, r.log_offset);
        const id = `${r.company}\u0000${r.sku}@${r.warehouse}\u0000${r.move_id}`;
        const known = moveLegs.get(id);
        if (!known || r.version > known.version) moveLegs.set(id, { state, version: r.version, legs: [[r.location, r.usage, r.qty]] });
        else if (r.version === known.version) known.legs.push([r.location, r.usage, r.qty]);
      }
    }
    for (const [id, { state, version, legs }] of moveLegs) {
      state.moves.set(id.slice(id.lastIndexOf('\u0000') + 1), { version, legs });
      for (const [location, usage, qty] of legs) this.add(state, location, usage, qty, 0);
    }

    type ReservationRow = { company: string; sku: string; warehouse: string; location: string; reservation_id: string; version: number; qty_reserved: number; log_offset: number };
    for await (const rows of store.queryChunks<ReservationRow>(
      `SELECT company, sku, warehouse, location, reservation_id, version, qty_reserved, log_offset
       FROM ledger_reservations FINAL WHERE log_offset <= {upto:UInt64}`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(r.sku, r.warehouse, r.log_offset)) continue;
        const state = this.state(r.company, r.sku, r.warehouse, r.log_offset);
        const known = state.reservations.get(r.reservation_id);
        if (known && known.version >= r.version) continue;
        if (known) this.add(state, known.location, undefined, 0, -known.qty);
        this.add(state, r.location, undefined, 0, r.qty_reserved);
        state.reservations.set(r.reservation_id, { version: r.version, location: r.location, qty: r.qty_reserved });
      }
    }
    // Restored positions are already in the store.
    for (const s of this.dirty) for (const p of s.positions.values()) p.dirty = false;
    this.dirty.clear();
  }
}
