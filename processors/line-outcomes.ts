import type { BusRecord } from '../bus/bus.js';
import { skuKey } from '../events/keys.js';
import type { ErpEvent, StockMoveEvent } from '../events/schema.js';
import type { Store } from '../store/store.js';
import type { Emitter, Processor } from './processor.js';

/** The fields of an order line its outcome repeats; sales and purchase lines under common names. */
export interface LineFields {
  company: string;
  lineId: string;
  sku: string;
  warehouse: string;
  orderId: string;
  /** Customer or vendor. */
  partner: string;
  version: number;
  qtyOrdered: number;
  unitPrice: number;
  state: string;
  orderedAt: string | null;
  /** Committed date (sales) or planned date (purchase): "on time" is judged against its day. */
  dueAt: string | null;
  /** Requested date (sales) or original planned date (purchase): kept in the fact. */
  otherDate: string | null;
}

/** Column names of one kind of outcome fact for the generic parts of a line (see the migrations). */
export interface OutcomeColumns {
  partner: string;
  due: string;
  other: string;
  /** Net quantity moved (delivered / received). */
  moved: string;
  /** Net quantity moved by the end of the due day. */
  byDue: string;
  firstAt: string;
  firstQty: string;
}

/** What distinguishes customer fulfilment from procurement: which lines, which moves, which columns. */
export interface LineOutcomeSpec {
  name: string;
  /** The fact table: one row per line (the highest log_offset wins). */
  table: string;
  lineType: ErpEvent['type'];
  line(e: ErpEvent): LineFields;
  /** The move field (and ledger column) linking a move to its line. */
  linkColumn: 'sales_line_id' | 'purchase_line_id';
  /** The usage of the partner's side of a fulfilling move (`customer`, `supplier`). */
  partnerUsage: StockMoveEvent['to_usage'];
  /** Which way the goods go for the line: to the partner (deliveries) or from it (receipts); the other way is a return. */
  direction: 'to partner' | 'from partner';
  columns: OutcomeColumns;
}

const DAY_MS = 86_400_000;
/** Per move in `LineState.moves`: id, version, signed qty, event time (epoch ms). */
const MOVE_FIELDS = 4;

/**
 * One line's state: the line at its latest version (once seen) and the latest version of each of
 * its moves, flat. One object and one array per line, instants as numbers and repeated strings
 * shared: the state holds every open and past line, and the number of objects is what the garbage
 * collector pays for (measured: the bench's old generation and GC time doubled with a naive layout).
 */
class LineState {
  known = false;
  orderId = '';
  partner = '';
  version = 0;
  qtyOrdered = 0;
  unitPrice = 0;
  state = '';
  orderedAtMs = NaN;
  dueAt: string | null = null;
  otherDate: string | null = null;
  moves: Array<string | number> = [];
  /** Log offset of the last event that changed this line: the version of its fact. */
  offset = 0;
  dirty = false;
  /** The order date of the fact last written (NaN: none, or none known): it places the row in its monthly partition. */
  writtenOrderedAtMs = NaN;
  written = false;

  constructor(
    readonly company: string,
    readonly lineId: string,
    readonly sku: string,
    readonly warehouse: string,
  ) {}

  /** Applies a move version; false when it changed nothing (an older or equal version). */
  applyMove(moveId: string, version: number, qty: number, at: string): boolean {
    const m = this.moves;
    for (let i = 0; i < m.length; i += MOVE_FIELDS) {
      if (m[i] !== moveId) continue;
      if ((m[i + 1] as number) >= version) return false;
      m[i + 1] = version;
      m[i + 2] = qty;
      m[i + 3] = Date.parse(at);
      return true;
    }
    m.push(moveId, version, qty, Date.parse(at));
    return true;
  }
}

/**
 * Outcome facts per order line from the line's versions and the done moves linked to it, in event
 * time: whichever arrives first or late, a line's fact is a function of its latest line version and
 * the latest version of each of its moves. A change emits the line's fact again (at the next
 * commit) with the log offset as its version, and the table keeps the highest: a late event
 * replaces the fact it updates instead of adding a second one.
 */
/*
 * In the distributed mode a line's state lives with the partition of its sku@warehouse, and its
 * moves arrive under the stock side's sku@warehouse: the two meet when a line is fulfilled from its
 * own warehouse, as in Odoo (a delivery's operation type belongs to the order's warehouse).
 * Fulfilment from another warehouse would need the moves re-keyed by line first (not built).
 */
export class LineOutcomeProcessor implements Processor {
  readonly name: string;
  /** By company, then line id. */
  private readonly lines = new Map<string, Map<string, LineState>>();
  private readonly dirty: LineState[] = [];
  /** One copy of each repeated name (companies, SKUs, warehouses, partners, states) for all lines. */
  private readonly names = new Map<string, string>();

  constructor(private readonly spec: LineOutcomeSpec) {
    this.name = spec.name;
  }

  apply({ key, offset, value: e }: BusRecord<ErpEvent>, _out: Emitter): void {
    if (e.type === this.spec.lineType) {
      const line = this.spec.line(e);
      const state = this.state(line.company, line.lineId, line.sku, line.warehouse);
      if (state.known && state.version >= line.version) return;
      this.setLine(state, line);
      this.touch(state, offset);
    } else if (e.type === 'stock_move') {
      const lineId = e[this.spec.linkColumn];
      const qty = this.fulfilledQty(e);
      if (lineId === null || qty === 0) return;
      // The stock side's warehouse: the one this record is keyed by.
      const state = this.state(e.company, lineId, e.sku, key.slice(key.lastIndexOf('@') + 1));
      if (state.applyMove(e.move_id, e.version, qty, e.occurred_at)) this.touch(state, offset);
    }
  }

  flush(out: Emitter): void {
    for (const s of this.dirty) {
      s.dirty = false;
      const m = summarize(s);
      // The table is partitioned by order month: a row that would change partition (the line seen
      // after its moves, an order date corrected) deletes its old row there first.
      if (s.written && monthOf(s.writtenOrderedAtMs) !== monthOf(s.orderedAtMs)) this.emitFact(out, s, m, s.writtenOrderedAtMs, 1);
      this.emitFact(out, s, m, s.orderedAtMs, 0);
      s.written = true;
      s.writtenOrderedAtMs = s.orderedAtMs;
    }
    this.dirty.length = 0;
  }

  private emitFact(out: Emitter, s: LineState, m: ReturnType<typeof summarize>, orderedAtMs: number, isDeleted: 0 | 1): void {
    const c = this.spec.columns;
    out.emit(this.spec.table, {
        company: s.company,
        line_id: s.lineId,
        line_known: s.known,
        order_id: s.orderId,
        sku: s.sku,
        warehouse: s.warehouse,
        [c.partner]: s.partner,
        line_version: s.version,
        state: s.state,
        qty_ordered: s.qtyOrdered,
        unit_price: s.unitPrice,
        ordered_at: iso(orderedAtMs),
        [c.due]: s.dueAt,
        [c.other]: s.otherDate,
        [c.moved]: m.total,
        [c.byDue]: m.byDue,
        [c.firstAt]: m.firstAt,
        [c.firstQty]: m.firstQty,
        completed_at: m.completedAt,
        moves: s.moves.length / MOVE_FIELDS,
        log_offset: s.offset,
        is_deleted: isDeleted,
      });
  }

  /**
   * Each line's state (of the partitions owned) from its latest stored fact and the fulfilling moves
   * the ledger recorded up to the committed offsets. A stored fact may be newer than them (a run
   * that died before committing): its line attributes are safe to take, since a line only takes
   * higher versions and the replayed line event then changes nothing the fact lacks; moves after the
   * committed offsets are left to the replay, which marks their lines for new facts.
   */
  async restore(store: Store, committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void> {
    if (Math.max(0, ...committed.values()) === 0) return;
    // Only the lines of the partitions this instance owns (all of them in embedded mode).
    const owned = (sku: string, warehouse: string) => committed.has(partitionOf(skuKey(sku, warehouse)));
    const c = this.spec.columns;
    for await (const rows of store.queryChunks<Record<string, unknown>>(`SELECT * FROM ${this.spec.table} FINAL`)) {
      for (const r of rows) {
        if (!owned(r.sku as string, r.warehouse as string)) continue;
        const state = this.state(r.company as string, r.line_id as string, r.sku as string, r.warehouse as string);
        state.offset = r.log_offset as number;
        state.written = true;
        state.writtenOrderedAtMs = r.ordered_at === null ? NaN : Date.parse(r.ordered_at as string);
        if (!r.line_known) continue;
        this.setLine(state, {
          company: state.company,
          lineId: state.lineId,
          sku: state.sku,
          warehouse: state.warehouse,
          orderId: r.order_id as string,
          partner: r[c.partner] as string,
          version: r.line_version as number,
          qtyOrdered: r.qty_ordered as number,
          unitPrice: r.unit_price as number,
          state: r.state as string,
          orderedAt: r.ordered_at as string | null,
          dueAt: r[c.due] as string | null,
          otherDate: r[c.other] as string | null,
        });
      }
    }
    type MoveRow = { company: string; sku: string; warehouse: string; line_id: string; move_id: string; version: number; qty: number; occurred_at: string; log_offset: number };
    // Moves only as of the committed offsets: a move stored by a run that died before committing must
    // come back through the replay, which marks its line for a new fact (restored here, the replayed
    // move would change nothing, and the line's fact, perhaps never written, would stay without it).
    const covered = (r: MoveRow) => r.log_offset <= (committed.get(partitionOf(skuKey(r.sku, r.warehouse))) ?? 0);
    for await (const rows of store.queryChunks<MoveRow>(
      `SELECT company, sku, warehouse, ${this.spec.linkColumn} AS line_id, move_id, version, qty, occurred_at, log_offset
       FROM ledger_movements FINAL
       WHERE ${this.spec.linkColumn} IS NOT NULL AND counterpart_usage = {usage:String}`,
      { usage: this.spec.partnerUsage },
    )) {
      // Ledger legs are signed at the stock side (+ in, − out): deliveries leave stock, receipts enter it.
      const sign = this.spec.direction === 'to partner' ? -1 : 1;
      for (const r of rows) if (covered(r)) this.state(r.company, r.line_id, r.sku, r.warehouse).applyMove(r.move_id, r.version, sign * r.qty, r.occurred_at);
    }
  }

  /** A move's quantity for its line: + the way the line's goods go, − back (a return), 0 not to or from the partner. */
  private fulfilledQty(m: StockMoveEvent): number {
    const { partnerUsage, direction } = this.spec;
    const forward = direction === 'to partner' ? m.to_usage === partnerUsage : m.from_usage === partnerUsage;
    const back = direction === 'to partner' ? m.from_usage === partnerUsage : m.to_usage === partnerUsage;
    return forward ? m.qty : back ? -m.qty : 0;
  }

  private setLine(state: LineState, line: LineFields): void {
    state.known = true;
    state.orderId = line.orderId;
    state.partner = this.intern(line.partner);
    state.version = line.version;
    state.qtyOrdered = line.qtyOrdered;
    state.unitPrice = line.unitPrice;
    state.state = this.intern(line.state);
    state.orderedAtMs = line.orderedAt === null ? NaN : Date.parse(line.orderedAt);
    // Due dates repeat (a day's orders share them): one copy each.
    state.dueAt = line.dueAt === null ? null : this.intern(line.dueAt);
    state.otherDate = line.otherDate === null ? null : this.intern(line.otherDate);
  }

  private state(company: string, lineId: string, sku: string, warehouse: string): LineState {
    let byId = this.lines.get(company);
    if (!byId) this.lines.set(company, (byId = new Map()));
    let state = byId.get(lineId);
    if (!state) byId.set(lineId, (state = new LineState(this.intern(company), lineId, this.intern(sku), this.intern(warehouse))));
    return state;
  }

  private intern(s: string): string {
    const known = this.names.get(s);
    if (known !== undefined) return known;
    this.names.set(s, s);
    return s;
  }

  private touch(state: LineState, offset: number): void {
    if (offset > state.offset) state.offset = offset;
    if (!state.dirty) {
      state.dirty = true;
      this.dirty.push(state);
    }
  }
}

/**
 * What a line's moves add up to in event time: net total; the first forward move (ties by move id);
 * when the running total first reached the ordered quantity; the net quantity by the end of the
 * due day (UTC). Cancelled lines have nothing left to complete.
 */
function summarize(s: LineState): { total: number; byDue: number; firstAt: string | null; firstQty: number; completedAt: string | null } {
  const m = s.moves;
  const order: number[] = [];
  for (let i = 0; i < m.length; i += MOVE_FIELDS) order.push(i);
  if (order.length > 1) order.sort((a, b) => (m[a + 3] as number) - (m[b + 3] as number) || ((m[a] as string) < (m[b] as string) ? -1 : 1));
  const target = s.state === 'cancelled' ? 0 : s.qtyOrdered;
  const dueEnd = s.dueAt === null ? -Infinity : Math.floor(Date.parse(s.dueAt) / DAY_MS) * DAY_MS + DAY_MS;
  let total = 0;
  let byDue = 0;
  let firstAt: string | null = null;
  let firstQty = 0;
  let completedAt: string | null = null;
  for (const i of order) {
    const qty = m[i + 2] as number;
    total += qty;
    if ((m[i + 3] as number) < dueEnd) byDue += qty;
    if (firstAt === null && qty > 0) {
      firstAt = iso(m[i + 3] as number);
      firstQty = qty;
    }
    if (completedAt === null && target > 0 && total >= target) completedAt = iso(m[i + 3] as number);
  }
  return { total: round(total), byDue: round(byDue), firstAt, firstQty, completedAt };
}

/** The partition of a fact: its order month (no order date: the epoch's). */
function monthOf(ms: number): number {
  if (Number.isNaN(ms)) return 0;
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** An instant kept as epoch ms, back to ISO (UTC, milliseconds) for the fact. */
function iso(ms: number): string | null {
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Sums of decimal quantities without binary noise (0.1 + 0.2). */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
