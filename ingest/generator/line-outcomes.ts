/**
 * Line-level outcome truth (truth/sales_lines.jsonl, truth/purchase_lines.jsonl; see truth.ts), recorded
 * by the simulation as it goes: one small record per line in growable typed-array columns indexed by
 * the line's number (`sale.order.line:N` is row N − 1), so rows come out in numeric id order without a
 * sort, and a line costs ~65 bytes (sales) / ~80 bytes (purchase) instead of an object and its strings.
 *
 * The simulation calls `version()` from the one place that emits the line's event, with that event's
 * values, so the stored header (qty, price, dates, state) is always the one of the highest version
 * emitted; and `delivery()` / `receipt()` from where it emits the linked done move, with the move's
 * occurred_at. The bill truth (bill-outcomes.ts) reads purchase lines by number (`line()`) and their
 * received quantity so far (`receivedSoFar()`); the daily inventory truth (daily-inventory.ts) reads a
 * line's qty_ordered before each new version (`qtyOrdered()`), to count only the change.
 * Nothing here touches the simulation's random numbers or its events.
 */
import { HOUR_MS } from './time.js';

/**
 * A typed array (Int32, or Float64 for epoch ms and money) that doubles when an index past its end is
 * needed.
 */
class Column {
  data: Int32Array | Float64Array;
  constructor(capacity: number, float: boolean) {
    this.data = float ? new Float64Array(capacity) : new Int32Array(capacity);
  }
  ensure(i: number): void {
    if (i < this.data.length) return;
    let n = this.data.length;
    while (n <= i) n *= 2;
    const next = this.data instanceof Float64Array ? new Float64Array(n) : new Int32Array(n);
    next.set(this.data);
    this.data = next;
  }
}

const INITIAL_ROWS = 1024;

/** Whether `x` is stored unchanged by an Int32Array. */
export const int32 = (x: number) => (x | 0) === x;

/**
 * Columns that grow together; row i exists in all of them once `ensure(i)` was called. Used here and
 * by inventory-outcomes.ts and bill-outcomes.ts.
 */
export class Table {
  private capacity = INITIAL_ROWS;
  private readonly cols: Column[] = [];
  col(float = false): Column {
    const c = new Column(INITIAL_ROWS, float);
    this.cols.push(c);
    return c;
  }
  ensure(i: number): void {
    if (i < this.capacity) return;
    for (const c of this.cols) c.ensure(i);
    this.capacity = (this.cols[0] as Column).data.length;
  }
}

/**
 * What a versioned record's errors call it: `number` for a bad record number (`line number`), `values`
 * for a value beyond int32 (`line ` gives `line 7 has …`), `id` for a version out of sequence
 * (`sale.order.line:` gives `sale.order.line:7 version …`).
 */
export interface RecordNames {
  number: string;
  values: string;
  id: string;
}

/**
 * A Table of versioned records: record number N (1, 2, 3, …) is row N − 1, `versions` holds the latest
 * version recorded per row (0 = no such record), `n` is the highest record number seen. Used here and
 * by inventory-outcomes.ts and bill-outcomes.ts.
 */
export class VersionedTable extends Table {
  n = 0;
  readonly versions = this.col();

  constructor(private readonly names: RecordNames) {
    super();
  }

  /**
   * The row for version `version` of record number `no`, about to be recorded: checks that `no` is a
   * positive int32 and that `valuesFit` (the caller's int32 checks of the values it stores), grows the
   * columns to hold the row, raises `n` to `no`, and requires `version` to follow the row's latest by
   * one. The caller then stores the values, `version` included.
   */
  row(no: number, version: number, valuesFit: boolean): number {
    if (!(no >= 1 && int32(no))) throw new Error(`internal: ${this.names.number} ${no}`);
    if (!valuesFit) throw new Error(`internal: ${this.names.values}${no} has a value beyond int32`);
    const i = no - 1;
    this.ensure(i);
    if (no > this.n) this.n = no;
    const prev = this.versions.data[i] as number;
    if (version !== prev + 1) throw new Error(`internal: ${this.names.id}${no} version ${version} recorded after ${prev}`);
    return i;
  }
}

/**
 * Columns shared by sales and purchase lines: int32 for numbers, ids, days and quantities (integer
 * units; checked to fit), float64 for instants in epoch ms, with NaN for "no instant". Row i is line
 * number i + 1; `versions` 0 = no such line.
 */
abstract class LineColumns {
  /** `rows.n`: rows in use (the highest line number seen). */
  protected readonly rows: VersionedTable;
  protected readonly order: Column;
  protected readonly cell: Column;
  protected readonly orderedMs: Column;
  protected readonly qty: Column;
  protected readonly state: Column;
  protected readonly versions: Column;
  /** Quantity moved so far (delivered / received). */
  protected readonly moved: Column;
  protected readonly firstMs: Column;
  protected readonly firstQty: Column;
  protected readonly completedMs: Column;

  constructor(
    private readonly linePrefix: string,
    private readonly orderPrefix: string,
  ) {
    this.rows = new VersionedTable({ number: 'line number', values: 'line ', id: linePrefix });
    this.order = this.col();
    this.cell = this.col();
    this.orderedMs = this.col(true);
    this.qty = this.col();
    this.state = this.col();
    this.versions = this.rows.versions;
    this.moved = this.col();
    this.firstMs = this.col(true);
    this.firstQty = this.col();
    this.completedMs = this.col(true);
  }

  protected col(float = false): Column {
    return this.rows.col(float);
  }

  /**
   * Records the header of a version of line number `no` (of order number `order`) as it is emitted;
   * versions come 1, 2, 3, … per line.
   */
  protected header(no: number, version: number, order: number, cell: number, orderedMs: number, qty: number, state: number): number {
    const i = this.rows.row(no, version, int32(order) && int32(cell) && int32(qty));
    if (version === 1) {
      this.order.data[i] = order;
      this.cell.data[i] = cell;
      this.orderedMs.data[i] = orderedMs;
      this.firstMs.data[i] = Number.NaN;
      this.completedMs.data[i] = Number.NaN;
    } else if (this.moved.data[i] !== 0 && this.qty.data[i] !== qty) {
      // completed_at is kept incrementally against the current qty: a later change would invalidate it.
      throw new Error(`internal: ${this.lineId(i)} changed qty_ordered after goods moved`);
    }
    this.versions.data[i] = version;
    this.qty.data[i] = qty;
    this.state.data[i] = state;
    return i;
  }

  /** qty_ordered of the latest version recorded for line number `no`; 0 if it has none yet. */
  qtyOrdered(no: number): number {
    const i = no - 1;
    return i >= 0 && i < this.rows.n ? (this.qty.data[i] as number) : 0;
  }

  /** Row of an existing line. */
  protected rowOf(no: number): number {
    const i = no - 1;
    if (!(i >= 0 && i < this.rows.n) || this.versions.data[i] === 0) throw new Error(`internal: line number ${no} has no version`);
    return i;
  }

  /** A done move of `qty` linked to the line at `ms` (its occurred_at). Called in time order per line. */
  protected movement(i: number, qty: number, ms: number): void {
    const before = this.moved.data[i] as number;
    if (before === 0) {
      this.firstMs.data[i] = ms;
      this.firstQty.data[i] = qty;
    }
    const after = before + qty;
    if ((after | 0) !== after) throw new Error(`internal: moved qty ${after} beyond int32`);
    this.moved.data[i] = after;
    if (Number.isNaN(this.completedMs.data[i]) && after >= (this.qty.data[i] as number)) this.completedMs.data[i] = ms;
  }

  protected exists(i: number): boolean {
    return this.versions.data[i] !== 0;
  }

  protected lineId(i: number): string {
    return `${this.linePrefix}${i + 1}`;
  }

  protected orderId(i: number): string {
    return `${this.orderPrefix}${this.order.data[i] as number}`;
  }

  protected instant(col: Column, i: number): number | null {
    const ms = col.data[i] as number;
    return Number.isNaN(ms) ? null : ms;
  }
}

const SALE_STATES = ['confirmed', 'done', 'cancelled'] as const;
export type SaleLineState = (typeof SALE_STATES)[number];
const PO_STATES = ['confirmed', 'done'] as const;
export type PoLineState = (typeof PO_STATES)[number];

/** A sales line's outcome in simulation terms (cell index, day numbers, epoch ms). */
export interface SaleLineRecord {
  lineId: string;
  orderId: string;
  cell: number;
  customer: string;
  orderedMs: number;
  requestedDay: number;
  committedDay: number;
  qty: number;
  state: SaleLineState;
  delivered: number;
  firstShipmentMs: number | null;
  firstShipmentQty: number;
  completedMs: number | null;
}

export class SaleLineOutcomes extends LineColumns {
  private readonly requestedDay = this.col();
  private readonly committedDay = this.col();
  /** Customer ids are the simulation's shared strings: one pointer per line. */
  private readonly customers: string[] = [];

  constructor() {
    super('sale.order.line:', 'sale.order:');
  }

  /** Call where a version of the line's sales_order_line event is emitted, with that event's values. */
  version(no: number, version: number, order: number, cell: number, customer: string, orderedMs: number, requestedDay: number, committedDay: number, qty: number, state: SaleLineState): void {
    const i = this.header(no, version, order, cell, orderedMs, qty, SALE_STATES.indexOf(state));
    this.customers[i] = customer;
    this.requestedDay.data[i] = requestedDay;
    this.committedDay.data[i] = committedDay;
  }

  /** A done move of the line's goods to a customer location, at `ms`. */
  delivery(no: number, qty: number, ms: number): void {
    this.movement(this.rowOf(no), qty, ms);
  }

  /** All lines in line-number order. */
  *records(): Generator<SaleLineRecord> {
    for (let i = 0; i < this.rows.n; i++) {
      if (!this.exists(i)) continue;
      yield {
        lineId: this.lineId(i),
        orderId: this.orderId(i),
        cell: this.cell.data[i] as number,
        customer: this.customers[i] as string,
        orderedMs: this.orderedMs.data[i] as number,
        requestedDay: this.requestedDay.data[i] as number,
        committedDay: this.committedDay.data[i] as number,
        qty: this.qty.data[i] as number,
        state: SALE_STATES[this.state.data[i] as number] as SaleLineState,
        delivered: this.moved.data[i] as number,
        firstShipmentMs: this.instant(this.firstMs, i),
        firstShipmentQty: this.firstQty.data[i] as number,
        completedMs: this.instant(this.completedMs, i),
      };
    }
  }
}

/** A purchase line's outcome in simulation terms (cell index, day numbers, epoch ms). */
export interface PoLineRecord {
  lineId: string;
  orderId: string;
  cell: number;
  vendor: string;
  orderedMs: number;
  plannedDay: number;
  originalPlannedDay: number;
  qty: number;
  unitPrice: number;
  state: PoLineState;
  received: number;
  firstReceiptMs: number | null;
  firstReceiptQty: number;
  completedMs: number | null;
  receivedOnTime: number;
  receivedByPlannedDay: number;
}

export class PoLineOutcomes extends LineColumns {
  private readonly price = this.col(true);
  private readonly plannedDay = this.col();
  private readonly originalPlannedDay = this.col();
  private readonly onTime = this.col();
  private readonly byPlannedDay = this.col();
  private readonly vendors: string[] = [];

  /** `plannedMs(day)` is the instant of a planned date (12:00Z of the day): receipts up to it are on time. */
  constructor(private readonly plannedMs: (day: number) => number) {
    super('purchase.order.line:', 'purchase.order:');
  }

  /** Call where a version of the line's purchase_order_line event is emitted, with that event's values. */
  version(no: number, version: number, order: number, cell: number, vendor: string, orderedMs: number, plannedDay: number, originalPlannedDay: number, qty: number, unitPrice: number, state: PoLineState): void {
    if (version > 1) {
      const i = this.rowOf(no);
      // received_on_time_qty is kept incrementally against the current planned date.
      if (this.moved.data[i] !== 0 && this.plannedDay.data[i] !== plannedDay) throw new Error(`internal: ${this.lineId(i)} rescheduled after a receipt`);
    }
    const i = this.header(no, version, order, cell, orderedMs, qty, PO_STATES.indexOf(state));
    this.vendors[i] = vendor;
    this.price.data[i] = unitPrice;
    this.plannedDay.data[i] = plannedDay;
    this.originalPlannedDay.data[i] = originalPlannedDay;
  }

  /** A done move of the line's goods from a supplier location, at `ms`. */
  receipt(no: number, qty: number, ms: number): void {
    const i = this.rowOf(no);
    this.movement(i, qty, ms);
    const plannedMs = this.plannedMs(this.plannedDay.data[i] as number);
    if (ms <= plannedMs) this.onTime.data[i] = (this.onTime.data[i] as number) + qty;
    // The planned instant is noon (UTC): its day ends 12 hours later.
    if (ms < plannedMs + 12 * HOUR_MS) this.byPlannedDay.data[i] = (this.byPlannedDay.data[i] as number) + qty;
  }

  /** Quantity received so far for line number `no` (its receipts recorded until now). */
  receivedSoFar(no: number): number {
    return this.moved.data[this.rowOf(no)] as number;
  }

  /** Line number `no` as recorded so far (at the end: its last version and all its receipts). */
  line(no: number): PoLineRecord {
    return this.record(this.rowOf(no));
  }

  /** All lines in line-number order. */
  *records(): Generator<PoLineRecord> {
    for (let i = 0; i < this.rows.n; i++) {
      if (this.exists(i)) yield this.record(i);
    }
  }

  private record(i: number): PoLineRecord {
    return {
      lineId: this.lineId(i),
      orderId: this.orderId(i),
      cell: this.cell.data[i] as number,
      vendor: this.vendors[i] as string,
      orderedMs: this.orderedMs.data[i] as number,
      plannedDay: this.plannedDay.data[i] as number,
      originalPlannedDay: this.originalPlannedDay.data[i] as number,
      qty: this.qty.data[i] as number,
      unitPrice: this.price.data[i] as number,
      state: PO_STATES[this.state.data[i] as number] as PoLineState,
      received: this.moved.data[i] as number,
      firstReceiptMs: this.instant(this.firstMs, i),
      firstReceiptQty: this.firstQty.data[i] as number,
      completedMs: this.instant(this.completedMs, i),
      receivedOnTime: this.onTime.data[i] as number,
      receivedByPlannedDay: this.byPlannedDay.data[i] as number,
    };
  }
}
