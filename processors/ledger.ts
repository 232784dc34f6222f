import type { BusRecord } from '../bus/bus.js';
import { holdsStock, skuKey } from '../events/keys.js';
import type { ErpEvent, ReservationEvent, StockMoveEvent } from '../events/schema.js';
import type { Store } from '../store/store.js';
import type { Emitter, Processor } from './processor.js';

/** Quantity held at one location of the key's warehouse. */
interface Position {
  location: string;
  usage: string;
  qty: number;
  reserved: number;
  /** Log offset of the last event that changed this position: the version of its stored row. */
  offset: number;
  dirty: boolean;
}

/** The stock-holding sides of one move version in this warehouse: [location, usage, signed qty]. */
type Leg = [location: string, usage: string, qty: number];

interface KeyState {
  company: string;
  sku: string;
  warehouse: string;
  positions: Map<string, Position>;
  /** The slot (in the processor's `moves`) of each move's latest applied version, so that a correction replaces it exactly. */
  moves: Map<string, number>;
  /** The slot (in the processor's `reservations`) of each reservation's latest applied version. */
  reservations: Map<string, number>;
}

/** Places (locations, usages) as small numbers, so that applied versions are stored as numbers. */
class Names {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) this.ids.set(name, (id = this.names.push(name) - 1));
    return id;
  }
}

/**
 * The applied version of every move and reservation, in typed arrays (one slot each) rather than an
 * object each: the state keeps all of them, and a million small objects are what the garbage
 * collector marks over and over (measured: most of the pipeline's old-generation growth).
 */
class Slots {
  size = 0;
  version = new Float64Array(1024);
  /** Per slot, `width` places (−1: none) and `width` quantities. */
  place: Int32Array;
  qty: Float64Array;

  constructor(readonly width: number) {
    this.place = new Int32Array(1024 * 2 * width);
    this.qty = new Float64Array(1024 * width);
  }

  add(): number {
    if (this.size === this.version.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.version = grow(this.version);
      this.place = grow(this.place);
      this.qty = grow(this.qty);
    }
    return this.size++;
  }
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
  /** State by company, then by `sku@warehouse` (the bus key: no new string per event). */
  private readonly keys = new Map<string, Map<string, KeyState>>();
  private readonly dirty = new Set<KeyState>();
  private readonly names = new Names();
  /** Per move: up to two legs, each (location, usage) places and a signed quantity. */
  private readonly moves = new Slots(2);
  /** Per reservation: its location and quantity (location −1 once released). */
  private readonly reservations = new Slots(1);

  apply({ key, offset, value: e }: BusRecord<ErpEvent>, out: Emitter): void {
    if (e.type === 'stock_move') this.applyMove(key, offset, e, out);
    else if (e.type === 'reservation') this.applyReservation(key, offset, e, out);
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
          log_offset: p.offset,
        });
      }
    }
    this.dirty.clear();
  }

  /** Live positions (for tests and later processors). */
  positions(): Array<{ company: string; sku: string; warehouse: string; location: string; usage: string; qty: number; reserved: number }> {
    const rows = [];
    for (const byKey of this.keys.values()) {
      for (const s of byKey.values()) {
        for (const p of s.positions.values()) rows.push({ company: s.company, sku: s.sku, warehouse: s.warehouse, location: p.location, usage: p.usage, qty: p.qty, reserved: p.reserved });
      }
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
    this.moveVersion(this.state(e.company, e.sku, warehouse, key), offset, e.move_id, e.version, legs);
  }

  /** State transition of one move version (live and restore share it, so both decide alike). */
  private moveVersion(state: KeyState, offset: number, moveId: string, version: number, legs: Leg[]): void {
    const { moves: m, names } = this;
    let slot = state.moves.get(moveId);
    if (slot !== undefined) {
      if (m.version[slot]! >= version) return; // a duplicate or an older version
      for (let leg = 0; leg < 2; leg++) {
        const location = m.place[4 * slot + 2 * leg]!;
        if (location >= 0) this.add(state, offset, names.names[location]!, names.names[m.place[4 * slot + 2 * leg + 1]!]!, -m.qty[2 * slot + leg]!, 0);
      }
    } else state.moves.set(moveId, (slot = m.add()));
    m.version[slot] = version;
    for (let leg = 0; leg < 2; leg++) {
      const applied = legs[leg];
      m.place[4 * slot + 2 * leg] = applied ? names.id(applied[0]) : -1;
      if (!applied) continue;
      m.place[4 * slot + 2 * leg + 1] = names.id(applied[1]);
      m.qty[2 * slot + leg] = applied[2];
      this.add(state, offset, applied[0], applied[1], applied[2], 0);
    }
  }

  private applyReservation(key: string, offset: number, e: ReservationEvent, out: Emitter): void {
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
    this.reservationVersion(this.state(e.company, e.sku, e.warehouse, key), offset, e.reservation_id, e.version, e.location, e.qty_reserved);
  }

  private reservationVersion(state: KeyState, offset: number, id: string, version: number, location: string, qty: number): void {
    const { reservations: r, names } = this;
    let slot = state.reservations.get(id);
    if (slot !== undefined) {
      if (r.version[slot]! >= version) return;
      const held = r.place[2 * slot]!;
      if (held >= 0) this.add(state, offset, names.names[held]!, undefined, 0, -r.qty[slot]!);
    } else state.reservations.set(id, (slot = r.add()));
    // A release touches its location too (so the position's offset moves like any change).
    this.add(state, offset, location, undefined, 0, qty);
    r.version[slot] = version;
    r.place[2 * slot] = qty === 0 ? -1 : names.id(location);
    r.qty[slot] = qty;
  }

  private state(company: string, sku: string, warehouse: string, key = skuKey(sku, warehouse)): KeyState {
    let byKey = this.keys.get(company);
    if (!byKey) this.keys.set(company, (byKey = new Map()));
    let s = byKey.get(key);
    if (!s) {
      s = { company, sku, warehouse, positions: new Map(), moves: new Map(), reservations: new Map() };
      byKey.set(key, s);
    }
    this.dirty.add(s);
    return s;
  }

  private add(state: KeyState, offset: number, location: string, usage: string | undefined, qty: number, reserved: number): void {
    let p = state.positions.get(location);
    if (!p) {
      // A reservation can precede the first move at its location; reservations are made on stock locations.
      p = { location, usage: usage ?? 'internal', qty: 0, reserved: 0, offset, dirty: true };
      state.positions.set(location, p);
    }
    if (usage) p.usage = usage;
    p.qty += qty;
    p.reserved += reserved;
    // Restore adds rows in no particular order; live processing in offset order.
    if (offset > p.offset) p.offset = offset;
    p.dirty = true;
  }

  /**
   * Replays the stored facts of each partition up to its committed offset, in offset order, through
   * the same transitions as live processing: the state (and each position's offset) comes out as the
   * live run left it at that offset.
   */
  async restore(store: Store, committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void> {
    const upto = Math.max(0, ...committed.values());
    if (upto === 0) return;
    const covered = (sku: string, warehouse: string, logOffset: number) =>
      logOffset <= (committed.get(partitionOf(skuKey(sku, warehouse))) ?? 0);

    type MoveRow = { company: string; sku: string; warehouse: string; location: string; usage: string; move_id: string; version: number; qty: number; log_offset: number };
    let pending: { state: KeyState; offset: number; moveId: string; version: number; legs: Leg[] } | undefined;
    const applyPending = () => pending && this.moveVersion(pending.state, pending.offset, pending.moveId, pending.version, pending.legs);
    for await (const rows of store.queryChunks<MoveRow>(
      `SELECT company, sku, warehouse, location, usage, move_id, version, qty, log_offset
       FROM ledger_movements FINAL WHERE log_offset <= {upto:UInt64}
       ORDER BY log_offset, company, sku, warehouse, move_id`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(r.sku, r.warehouse, r.log_offset)) continue;
        const state = this.state(r.company, r.sku, r.warehouse);
        // The legs of one move event in one warehouse are consecutive rows.
        if (pending && pending.state === state && pending.offset === r.log_offset && pending.moveId === r.move_id) {
          pending.legs.push([r.location, r.usage, r.qty]);
          continue;
        }
        applyPending();
        pending = { state, offset: r.log_offset, moveId: r.move_id, version: r.version, legs: [[r.location, r.usage, r.qty]] };
      }
    }
    applyPending();

    type ReservationRow = { company: string; sku: string; warehouse: string; location: string; reservation_id: string; version: number; qty_reserved: number; log_offset: number };
    for await (const rows of store.queryChunks<ReservationRow>(
      `SELECT company, sku, warehouse, location, reservation_id, version, qty_reserved, log_offset
       FROM ledger_reservations FINAL WHERE log_offset <= {upto:UInt64} ORDER BY log_offset`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(r.sku, r.warehouse, r.log_offset)) continue;
        this.reservationVersion(this.state(r.company, r.sku, r.warehouse), r.log_offset, r.reservation_id, r.version, r.location, r.qty_reserved);
      }
    }
    // Restored positions are already in the store.
    for (const s of this.dirty) for (const p of s.positions.values()) p.dirty = false;
    this.dirty.clear();
  }
}
