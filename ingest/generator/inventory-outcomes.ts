/**
 * Inventory-control truth (truth/counts.jsonl, truth/adjustments.jsonl; see truth.ts), recorded by the
 * simulation as it goes, in the style of line-outcomes.ts: one small record per inventory count and per
 * inventory adjustment move in growable typed-array columns (plus pointers to the simulation's shared
 * strings for location, user and reason), so rows come out in numeric id order without a sort.
 *
 * - Counts: row N − 1 is `stock.count:N`. The simulation calls `count()` from the one place that emits
 *   an inventory_count event, with that event's values; a later version of the same count would
 *   replace the row (the simulation emits each count once, as version 1).
 * - Adjustments: rows are appended in the order the moves are emitted, which must also be move-number
 *   order (the simulation numbers an adjustment move as it emits it; anything else throws). The
 *   simulation calls `adjustment()` from `move()` for every move with an inventory-usage side.
 *
 * A count costs ~60 bytes, an adjustment ~50; there is about one count per SKU×warehouse per 25 days
 * (~3% of the events), and about a third of the counts adjust.
 * Nothing here touches the simulation's random numbers or its events.
 */
import { int32, Table, VersionedTable } from './line-outcomes.js';
import { ADJUSTMENT_KINDS, type AdjustmentKind } from './truth.js';

/** A count in simulation terms (cell index, epoch ms). */
export interface CountRecord {
  no: number;
  cell: number;
  location: string;
  ms: number;
  counted: number;
  system: number;
  user: string;
  reason: string | null;
  unitCost: number;
  miscount: boolean;
}

/** An adjustment move in simulation terms (cell index, epoch ms); countNo 0 = follows no count. */
export interface AdjustmentRecord {
  moveNo: number;
  cell: number;
  location: string;
  ms: number;
  qty: number;
  unitCost: number;
  kind: AdjustmentKind;
  countNo: number;
}

export class InventoryOutcomes {
  // Counts, row = count number − 1 (`c.n` rows in use).
  private readonly c = new VersionedTable({ number: 'count number', values: 'count ', id: 'stock.count:' });
  private readonly cVersions = this.c.versions;
  private readonly cCell = this.c.col();
  private readonly cMs = this.c.col(true);
  private readonly cCounted = this.c.col();
  private readonly cSystem = this.c.col();
  private readonly cCost = this.c.col(true);
  private readonly cMiscount = this.c.col();
  private readonly cLocations: string[] = [];
  private readonly cUsers: string[] = [];
  private readonly cReasons: (string | null)[] = [];

  // Adjustments, appended in move-number order.
  private readonly a = new Table();
  private nAdjustments = 0;
  private readonly aMoveNo = this.a.col();
  private readonly aCell = this.a.col();
  private readonly aMs = this.a.col(true);
  private readonly aQty = this.a.col();
  private readonly aCost = this.a.col(true);
  private readonly aKind = this.a.col();
  private readonly aCountNo = this.a.col();
  private readonly aLocations: string[] = [];

  /**
   * Call where a version of the inventory_count `stock.count:no` is emitted, with that event's values
   * and the product's unit cost at that moment; versions come 1, 2, 3, … per count.
   */
  count(no: number, version: number, cell: number, location: string, ms: number, counted: number, system: number, user: string, reason: string | null, unitCost: number, miscount: boolean): void {
    const i = this.c.row(no, version, int32(cell) && int32(counted) && int32(system));
    this.cVersions.data[i] = version;
    this.cCell.data[i] = cell;
    this.cMs.data[i] = ms;
    this.cCounted.data[i] = counted;
    this.cSystem.data[i] = system;
    this.cCost.data[i] = unitCost;
    this.cMiscount.data[i] = miscount ? 1 : 0;
    this.cLocations[i] = location;
    this.cUsers[i] = user;
    this.cReasons[i] = reason;
  }

  /**
   * Call where a done move with an inventory-usage side is emitted: `qty` signed from the stock side
   * (+ into `location`, − out of it), `unitCost` as on the move event, `countNo` the count it follows
   * (0 for none).
   */
  adjustment(moveNo: number, cell: number, location: string, ms: number, qty: number, unitCost: number, kind: AdjustmentKind, countNo: number): void {
    if (!(moveNo >= 1 && int32(moveNo)) || !int32(cell) || !int32(qty) || !int32(countNo)) throw new Error(`internal: adjustment stock.move:${moveNo} has a value beyond int32`);
    const i = this.nAdjustments;
    if (i > 0 && moveNo <= (this.aMoveNo.data[i - 1] as number)) {
      throw new Error(`internal: adjustment stock.move:${moveNo} recorded after stock.move:${this.aMoveNo.data[i - 1] as number} (rows must come in move-number order)`);
    }
    this.a.ensure(i);
    this.nAdjustments = i + 1;
    this.aMoveNo.data[i] = moveNo;
    this.aCell.data[i] = cell;
    this.aMs.data[i] = ms;
    this.aQty.data[i] = qty;
    this.aCost.data[i] = unitCost;
    this.aKind.data[i] = ADJUSTMENT_KINDS.indexOf(kind);
    this.aCountNo.data[i] = countNo;
    this.aLocations[i] = location;
  }

  /** All counts in count-number order. */
  *counts(): Generator<CountRecord> {
    for (let i = 0; i < this.c.n; i++) {
      if (this.cVersions.data[i] === 0) continue;
      yield {
        no: i + 1,
        cell: this.cCell.data[i] as number,
        location: this.cLocations[i] as string,
        ms: this.cMs.data[i] as number,
        counted: this.cCounted.data[i] as number,
        system: this.cSystem.data[i] as number,
        user: this.cUsers[i] as string,
        reason: this.cReasons[i] as string | null,
        unitCost: this.cCost.data[i] as number,
        miscount: this.cMiscount.data[i] === 1,
      };
    }
  }

  /** All adjustments in move-number order. */
  *adjustments(): Generator<AdjustmentRecord> {
    for (let i = 0; i < this.nAdjustments; i++) {
      yield {
        moveNo: this.aMoveNo.data[i] as number,
        cell: this.aCell.data[i] as number,
        location: this.aLocations[i] as string,
        ms: this.aMs.data[i] as number,
        qty: this.aQty.data[i] as number,
        unitCost: this.aCost.data[i] as number,
        kind: ADJUSTMENT_KINDS[this.aKind.data[i] as number] as AdjustmentKind,
        countNo: this.aCountNo.data[i] as number,
      };
    }
  }
}
