/**
 * Vendor bill truth (truth/bills.jsonl; see truth.ts), recorded by the simulation as it goes, in the
 * style of line-outcomes.ts: one small record per vendor bill line in growable typed-array columns
 * (plus a pointer to the simulation's shared vendor string), row N − 1 = `account.move.line:N`, so rows
 * come out in numeric id order without a sort. A bill line costs ~55 bytes; there is about one per
 * vendor receipt (~4% of the events).
 *
 * The simulation calls `bill()` from the one place that emits a vendor_bill_line event, with that
 * event's values; a later version of the same bill line would replace the row (the simulation emits
 * each once, as version 1). At that moment it also records the linked purchase line's received
 * quantity so far (PoLineOutcomes): that is received_before_bill_qty, because the simulation's clock
 * only moves forward, so every receipt recorded before the bill has occurred_at ≤ the bill's, and
 * `receipt()`, called wherever a done move from a supplier location is emitted, checks that every
 * receipt recorded after a bill is strictly later than it. The purchase line's last version and total
 * received qty are not copied: `records()` reads them from PoLineOutcomes at the end.
 * Nothing here touches the simulation's random numbers or its events.
 */
import { int32, VersionedTable, type PoLineOutcomes, type PoLineRecord } from './line-outcomes.js';

/** A bill line in simulation terms (cell index, epoch ms), with its purchase line at the end. */
export interface BillRecord {
  /** N of `account.move.line:N`. */
  no: number;
  /** N of `account.move:N`. */
  billNo: number;
  cell: number;
  vendor: string;
  ms: number;
  qty: number;
  unitPrice: number;
  /** The linked purchase line as recorded at the end (last version, all receipts), or null. */
  po: PoLineRecord | null;
  /** The linked purchase line's received qty by receipts with occurred_at ≤ ms (0 if none linked). */
  receivedBefore: number;
  mispriced: boolean;
}

export class BillOutcomes {
  /** `t.n`: rows in use (the highest bill line number seen). */
  private readonly t = new VersionedTable({ number: 'bill line number', values: 'account.move.line:', id: 'account.move.line:' });
  private readonly versions = this.t.versions;
  private readonly billNo = this.t.col();
  /** Linked purchase line number; 0 = none. */
  private readonly poNo = this.t.col();
  private readonly cell = this.t.col();
  private readonly ms = this.t.col(true);
  private readonly qty = this.t.col();
  private readonly price = this.t.col(true);
  private readonly receivedBefore = this.t.col();
  private readonly mispriced = this.t.col();
  private readonly vendors: string[] = [];
  /** Latest occurred_at of a bill, and of a receipt, recorded so far. */
  private lastBillMs = Number.NEGATIVE_INFINITY;
  private lastReceiptMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly pos: PoLineOutcomes) {}

  /**
   * Call where a version of the vendor_bill_line `account.move.line:no` (of bill `account.move:billNo`)
   * is emitted, with that event's values; `poNo` is the number of its purchase_line_id (0 for null),
   * `mispriced` whether the simulation made its price wrong on purpose. Versions come 1, 2, 3, … per line.
   */
  bill(no: number, version: number, billNo: number, poNo: number, cell: number, vendor: string, ms: number, qty: number, unitPrice: number, mispriced: boolean): void {
    if (ms < this.lastReceiptMs) throw new Error(`internal: account.move.line:${no} at ${ms} recorded after a receipt at ${this.lastReceiptMs}`);
    const i = this.t.row(no, version, int32(billNo) && int32(poNo) && poNo >= 0 && int32(cell) && int32(qty));
    this.versions.data[i] = version;
    this.billNo.data[i] = billNo;
    this.poNo.data[i] = poNo;
    this.cell.data[i] = cell;
    this.ms.data[i] = ms;
    this.qty.data[i] = qty;
    this.price.data[i] = unitPrice;
    this.receivedBefore.data[i] = poNo === 0 ? 0 : this.pos.receivedSoFar(poNo);
    this.mispriced.data[i] = mispriced ? 1 : 0;
    this.vendors[i] = vendor;
    if (ms > this.lastBillMs) this.lastBillMs = ms;
  }

  /**
   * Call where a done move from a supplier location (a receipt) is emitted, with its occurred_at. A
   * receipt at the same instant as an earlier-recorded bill would be missing from that bill's
   * received_before_bill_qty: it throws (the simulation has none such).
   */
  receipt(ms: number): void {
    if (ms <= this.lastBillMs) throw new Error(`internal: a receipt at ${ms} recorded after a bill at ${this.lastBillMs}`);
    if (ms > this.lastReceiptMs) this.lastReceiptMs = ms;
  }

  /** All bill lines in line-number order; valid at the end of the simulation. */
  *records(): Generator<BillRecord> {
    for (let i = 0; i < this.t.n; i++) {
      if (this.versions.data[i] === 0) continue;
      const poNo = this.poNo.data[i] as number;
      yield {
        no: i + 1,
        billNo: this.billNo.data[i] as number,
        cell: this.cell.data[i] as number,
        vendor: this.vendors[i] as string,
        ms: this.ms.data[i] as number,
        qty: this.qty.data[i] as number,
        unitPrice: this.price.data[i] as number,
        po: poNo === 0 ? null : this.pos.line(poNo),
        receivedBefore: this.receivedBefore.data[i] as number,
        mispriced: this.mispriced.data[i] === 1,
      };
    }
  }
}
