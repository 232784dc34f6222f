/**
 * Ground truth of a generated dataset: what a correct pipeline must find. Taken from the simulation's
 * own state (never by re-reading the emitted events).
 *
 * - `truth/ledger.jsonl`: the final stock ledger, one row per (sku, location) that ever held stock or a
 *   reservation at an internal or transit location, sorted by sku then location (plain code-unit string
 *   order, so `WH10` sorts before `WH2`).
 * - `truth/exceptions.jsonl`: one labelled business exception per line (see `ExceptionKind`).
 * - `truth/sales_lines.jsonl`: the outcome of every sales order line (every line that got at least one
 *   sales_order_line event), one `SalesLineTruth` per line, sorted by line_id in the numeric order of its
 *   number (`sale.order.line:2` before `sale.order.line:10`).
 * - `truth/purchase_lines.jsonl`: the outcome of every purchase order line, one `PurchaseLineTruth` per
 *   line, sorted the same way (`purchase.order.line:N`). Both lines of a `duplicate_po` are rows.
 * - `truth/counts.jsonl`: every inventory count the simulation made (every `inventory_count` record, at
 *   its last version), one `CountTruth` per count, in the numeric order of the count's number
 *   (`stock.count:N`).
 * - `truth/adjustments.jsonl`: every done stock move to or from an inventory-usage location
 *   (`Virtual/Inventory adjustment`), one `AdjustmentTruth` per move, in the numeric order of the move's
 *   number (`stock.move:N`), with what caused it (`AdjustmentKind`) and the count it follows.
 * - `truth/bills.jsonl`: every vendor bill line the simulation created (every `vendor_bill_line`
 *   record, at its last version), one `BillTruth` per line, in the numeric order of the bill line's
 *   number (`account.move.line:N`), with its purchase line (last version) and what had been received
 *   for it: the facts of a three-way match (bill against purchase line against receipts).
 * - `truth/daily_inventory.jsonl`: one `DailyInventoryTruth` per day of the run × warehouse (every day
 *   and every warehouse, days without activity included), sorted by day, then warehouse id (plain
 *   code-unit string order, `WH10` before `WH2`): on hand at the end of the day and its value, cost of
 *   goods shipped, quantity shipped and quantity ordered that day, the facts of inventory turns and
 *   days of cover. All by event time (a move's occurred_at, a line's ordered_at, UTC days), never
 *   emission order.
 *
 * How counts and adjustments work in the simulation (each is one path, `Simulation.count()`):
 * - Every adjustment follows a count, a few milliseconds later (a strictly later occurred_at): the
 *   simulation sets the system quantity at WHn/Stock to the counted quantity, so the move's signed qty
 *   is counted_qty − system_qty, and a count with counted = system has no adjustment. There are no
 *   adjustments without a count and none at Quality or Transit: counts are always at WHn/Stock.
 * - Opening stock is a count too: on day 0 (00:10–00:59) user 'admin' counts every SKU×warehouse with
 *   reason 'opening' and system_qty 0 (kind 'opening').
 * - Cycle counts (20:00–20:59, day 1 on, each SKU×warehouse about every 25 days) are by one of six
 *   counters, reason 'cycle_count' (counted = system), 'found' (counted > system) or 'shrinkage' /
 *   'damage' (counted < system); kind 'count'. Unrecorded shrinkage makes the physical stock drift
 *   below the system's, so most differences are true corrections. A `miscount` count recorded a wrong
 *   physical quantity on purpose: its adjustment follows the wrong count (a miscount that happens to
 *   equal the system quantity has none, and its label's move_id is null), and the physical stock stays
 *   what it was, so the cell's next correct count undoes it. Only cycle counts are miscounted.
 * - Anomalous adjustments (01:00–04:59, an `anomalous_adjustment` label each) are counts too, by an
 *   unusual user with reason null, of absurd size (never counted = system; mostly positive, a
 *   negative one needs system ≥ twice its size); kind 'anomalous'. Adjustments after the opening
 *   change the system quantity only, not the physical stock, so the cell's next cycle count normally
 *   finds an anomalous difference again and adjusts it back.
 * - system_qty is the system quantity at WHn/Stock just before the count (reserved units included).
 * - Each count and each move is emitted once (version 1; redeliveries are byte-identical copies), so
 *   "last version" is the only one; products have a single unit cost for the whole run.
 *
 * How vendor bills work in the simulation (`Simulation.officePhase()`):
 * - Every receipt (a done move from Partners/Vendors, to Stock or Quality) is billed once, by a bill
 *   of its own with a single line (`account.move:N` has the one line `account.move.line:N`), for the
 *   receipt's qty, linked to the receipt's purchase line, with that line's vendor, sku and warehouse.
 *   The bill comes 0–3 days after the receipt (a uniform draw), in the 22:30–23:59 office window, so
 *   always after its receipt (06:00–07:59), and it is dropped if that day is past the end of the run:
 *   receipts of the last three days may be unbilled. There are no unlinked bills, no duplicate bills
 *   and no credit notes; a `duplicate_po` line is received, so billed, like any other line.
 * - So a bill's received_before_bill_qty is at least its own qty, and a line is never billed for more
 *   than was received before the bill (nor more than ordered). A line received in two parts
 *   (`partial_receipt`) can be billed for the first part before the rest arrives: billed before full
 *   receipt, received_before_bill_qty < po_qty_ordered.
 * - The unit price is the purchase line's (which never changes after the line is placed), except for
 *   a `mispriced_bill` (3% of bills): about 5–40% off it, mostly upwards, and never equal to it.
 * - Each bill line is emitted once (version 1; redeliveries are byte-identical copies).
 *
 * In the line files, "last version" is the line event with the highest `version`: the simulation's
 * final state of the line, which is also its latest occurred_at, whatever the file order (the stream
 * emits some versions late, so a higher version can come first). Instants are the `occurred_at` the
 * simulation put on the events (event time, never emission order), as ISO strings exactly as emitted.
 * Quantities are integer units. Lines still open when the simulation ends are rows too (state
 * 'confirmed', possibly part-delivered). The simulation has no customer or vendor returns, and it only
 * cancels sales lines that have shipped nothing, so a cancelled line has delivered_qty 0.
 */

/** One row of the final ledger. Quantities are integer units. */
export interface LedgerRow {
  sku: string;
  location: string;
  warehouse: string;
  /** qty if the location is internal (quarantine locations included), else 0. */
  on_hand: number;
  /** Sum of the current qty_reserved of reservations at this location. */
  reserved: number;
  /** qty if the location has usage transit, else 0. */
  in_transit: number;
  /** qty if the location is a quarantine location, else 0. */
  quarantined: number;
  /** on_hand − quarantined − reserved. */
  available: number;
}

/** One row of truth/sales_lines.jsonl: a sales order line and how it was delivered. */
export interface SalesLineTruth {
  /** `sale.order.line:N`, as in the events. */
  line_id: string;
  /** `sale.order:N`, as in the events. */
  order_id: string;
  sku: string;
  /** The warehouse that ships the line (`WHn`). */
  warehouse: string;
  /** `CUST-nnnn`, as in the events. */
  customer: string;
  /** ISO instant the line was ordered (its `ordered_at`, as emitted). */
  ordered_at: string;
  /** `committed_date` of the line's last version (ISO, 12:00Z of the day), or null. */
  committed_date: string | null;
  /** `requested_date` of the line's last version (ISO, 12:00Z of the day), or null. */
  requested_date: string | null;
  /** `qty_ordered` of the line's last version. */
  qty_ordered: number;
  /** `state` of the line's last version: 'done' once fully delivered, 'cancelled', else 'confirmed'. */
  state: 'confirmed' | 'done' | 'cancelled';
  /**
   * Total qty of the done stock moves linked to the line (sales_line_id) into a customer-usage
   * location, net of customer returns (the simulation has none). 0 if nothing shipped.
   */
  delivered_qty: number;
  /** occurred_at of the line's first delivery move (ISO), or null if nothing shipped. */
  first_shipment_at: string | null;
  /** qty of that first delivery move; 0 if nothing shipped. */
  first_shipment_qty: number;
  /**
   * occurred_at of the delivery move after which the cumulative delivered qty (in occurred_at order)
   * first reached qty_ordered, or null if it never did (open, part-delivered or cancelled lines).
   */
  completed_at: string | null;
}

/** One row of truth/purchase_lines.jsonl: a purchase order line and how it was received. */
export interface PurchaseLineTruth {
  /** `purchase.order.line:N`, as in the events. */
  line_id: string;
  /** `purchase.order:N`, as in the events (a duplicate PO line is on an order of its own). */
  order_id: string;
  sku: string;
  /** The receiving warehouse (`WHn`). */
  warehouse: string;
  /** `VEND-nnn`, as in the events. */
  vendor: string;
  /** ISO instant the line was ordered (its `ordered_at`, as emitted). */
  ordered_at: string;
  /** `planned_date` of the line's last version (ISO, 12:00Z of the day): vendor reschedules included. */
  planned_date: string;
  /** `original_planned_date` of the line's last version (ISO), or null. */
  original_planned_date: string | null;
  /** `qty_ordered` of the line's last version. */
  qty_ordered: number;
  /** `state` of the line's last version: 'done' once fully received, else 'confirmed'. */
  state: 'confirmed' | 'done';
  /**
   * Total qty of the done stock moves linked to the line (purchase_line_id) out of a supplier-usage
   * location, i.e. received from the vendor, into Stock or Quality. Goods later scrapped by a failed
   * quality check still count as received; the Quality → Stock/Scrap moves of the same line do not.
   */
  received_qty: number;
  /** occurred_at of the line's first receipt move (ISO), or null if nothing was received. */
  first_receipt_at: string | null;
  /** qty of that first receipt move; 0 if nothing was received. */
  first_receipt_qty: number;
  /**
   * occurred_at of the receipt move after which the cumulative received qty (in occurred_at order)
   * first reached qty_ordered, or null if it never did.
   */
  completed_at: string | null;
  /** Sum of the qty of the line's receipt moves whose occurred_at ≤ planned_date (last version). */
  received_on_time_qty: number;
  /** Sum of the qty of the line's receipt moves before the end (UTC) of the planned date's day (last version). */
  received_by_planned_day_qty: number;
}

/** One row of truth/counts.jsonl: an inventory count as the simulation made it. */
export interface CountTruth {
  /** `stock.count:N`, as in the events. */
  count_id: string;
  sku: string;
  /** The warehouse of the counted location (`WHn`). */
  warehouse: string;
  /** The counted location (always `WHn/Stock` in this simulation). */
  location: string;
  /** ISO instant of the count (its `occurred_at`, as emitted). */
  occurred_at: string;
  /** `counted_qty` of the count's last version: what the counter recorded (wrong if `miscount`). */
  counted_qty: number;
  /** `system_qty` of the count's last version: the system quantity at the location just before it. */
  system_qty: number;
  /** `user` of the count: 'admin' (opening), a counter, or an unusual user (anomalous adjustments). */
  user: string;
  /** `reason` of the count: 'opening', 'cycle_count', 'found', 'shrinkage', 'damage', or null (anomalous). */
  reason: string | null;
  /** The product's unit cost at the count: the `unit_cost` of its product master data event. */
  unit_cost: number;
  /** True if the simulation made this count wrong on purpose: exactly the counts with a `miscount` label. */
  miscount: boolean;
}

/** One row of truth/bills.jsonl: a vendor bill line, its purchase line and the receipts for it. */
export interface BillTruth {
  /** `account.move.line:N`, as in the events. */
  line_id: string;
  /** `account.move:N`, as in the events. */
  bill_id: string;
  /** `purchase.order.line:N` of the event, or null if the bill line has none (the simulation has none such). */
  purchase_line_id: string | null;
  /** `VEND-nnn`, as in the events. */
  vendor: string;
  sku: string;
  /** `WHn`, as in the events (the purchase line's receiving warehouse). */
  warehouse: string;
  /** ISO instant of the bill (its `occurred_at`, as emitted). */
  occurred_at: string;
  /** `qty` billed (integer units). */
  qty: number;
  /** `unit_price` billed. */
  unit_price: number;
  /** `qty_ordered` of the linked purchase line's last version, or null if no line is linked. */
  po_qty_ordered: number | null;
  /** `unit_price` of the linked purchase line's last version, or null if no line is linked. */
  po_unit_price: number | null;
  /**
   * Total qty of the done stock moves linked to the purchase line (purchase_line_id) out of a
   * supplier-usage location by the end of the simulation: the purchase line's `received_qty` in
   * truth/purchase_lines.jsonl. 0 if no line is linked.
   */
  received_qty: number;
  /** The part of received_qty whose receipt moves have occurred_at ≤ the bill's occurred_at. */
  received_before_bill_qty: number;
  /** True if the simulation made this bill's price wrong on purpose: exactly the bill lines with a `mispriced_bill` label. */
  mispriced: boolean;
}

/**
 * One row of truth/daily_inventory.jsonl: a warehouse on one day of the run (UTC), by event time.
 * Quantities are integer units. Money is exact: every unit cost is a whole number of cents, so sums
 * are kept in integer cents and written as cents / 100 (the double nearest the exact decimal sum,
 * e.g. 1234.56; compare with a tolerance below a cent, or round to cents). The simulation has no
 * customer returns, so cogs and shipped_qty are never reduced by one (returns would be netted).
 */
export interface DailyInventoryTruth {
  /** YYYY-MM-DD (UTC); every day from the run's start, `days` of them. */
  day: string;
  /** `WHn`; every warehouse on every day. */
  warehouse: string;
  /**
   * System on-hand qty at the end of the day: by an event-time fold of the done stock moves with
   * occurred_at before the next midnight (UTC), over the warehouse's internal locations (WHn/Stock and
   * the quarantine WHn/Quality; not WHn/Transit), summed over all SKUs. What truth/ledger.jsonl's
   * `on_hand` sums to for the warehouse, as of that instant (reserved and quarantined units included;
   * the system's quantity, not the physical one, which shrinkage and miscounts make differ).
   */
  on_hand_qty: number;
  /** Σ over SKUs of each SKU's on_hand_qty × its product unit cost (the `unit_cost` of its product event). */
  on_hand_value: number;
  /**
   * Σ over the done moves into a customer-usage location leaving this warehouse, with occurred_at on
   * this day, of qty × the move's `unit_cost`; minus moves from a customer location into it (returns;
   * the simulation has none).
   */
  cogs: number;
  /** Σ qty of those same moves (net of returns). */
  shipped_qty: number;
  /**
   * Σ qty_ordered (last version) of the sales order lines of this warehouse whose ordered_at is on this
   * day: every line, including ones cancelled or still open later.
   */
  demand_qty: number;
}

/**
 * Why an inventory adjustment move happened:
 * - opening: day 0 opening stock (the adjustment of a count by 'admin', reason 'opening').
 * - count: the adjustment of a cycle count whose counted qty differed from the system's (a miscount
 *   included: the adjustment follows the wrong count).
 * - anomalous: the adjustment of an `anomalous_adjustment` (absurd size, odd hour, unusual user).
 */
export const ADJUSTMENT_KINDS = ['opening', 'count', 'anomalous'] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];

/** One row of truth/adjustments.jsonl: a done stock move to or from an inventory-usage location. */
export interface AdjustmentTruth {
  /** `stock.move:N`, as in the events. */
  move_id: string;
  sku: string;
  /** The warehouse of `location` (`WHn`). */
  warehouse: string;
  /** The internal (or transit) side of the move; the other side is `Virtual/Inventory adjustment`. */
  location: string;
  /** ISO instant of the move (its `occurred_at`, as emitted). */
  occurred_at: string;
  /** The move's qty signed from the stock side: + into `location`, − out of it. Never 0. */
  qty: number;
  /** `unit_cost` of the move event. */
  unit_cost: number;
  /** What caused the adjustment (see `AdjustmentKind`). */
  kind: AdjustmentKind;
  /** The count the adjustment follows (`stock.count:N`), or null if none (the simulation has none such). */
  count_id: string | null;
}

export const EXCEPTION_KINDS = [
  'late_delivery',
  'late_receipt',
  'partial_shipment',
  'partial_receipt',
  'stockout_day',
  'miscount',
  'anomalous_adjustment',
  'duplicate_po',
  'mispriced_po',
  'mispriced_bill',
] as const;

/**
 * - late_delivery: a customer line completed (last shipment) on a day after its committed date.
 * - late_receipt: a PO line completed (last receipt) on a day after its planned date as of the receipt
 *   (a vendor reschedule that announced the new date in time is not late; `detail` names the original).
 * - partial_shipment / partial_receipt: the first shipment/receipt of a line was short; the rest follows.
 * - stockout_day: a SKU×warehouse day on which an order line was confirmed while available ≤ 0 at
 *   WHn/Stock (available = on hand − reserved, at the moment of the order).
 * - miscount: a counter recorded a wrong physical quantity; the adjustment followed the wrong count.
 * - anomalous_adjustment: an adjustment of absurd size, no reason, at an odd hour, by an unusual user.
 * - duplicate_po: the same PO line placed twice within a day; both are received.
 * - mispriced_po: PO unit price ≥ 3× away from the vendor's normal price (either direction).
 * - mispriced_bill: vendor bill unit price differs from the PO line's price.
 */
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** One labelled exception: `{kind, day, sku, warehouse, ...ids of the documents involved, detail}`. */
export interface ExceptionLabel {
  kind: ExceptionKind;
  /** YYYY-MM-DD (UTC) of the day the exception happened. */
  day: string;
  sku: string;
  warehouse: string;
  sales_line_id?: string;
  purchase_line_id?: string;
  duplicate_purchase_line_id?: string;
  bill_line_id?: string;
  count_id?: string;
  move_id?: string | null;
  detail: string;
}

export interface Truth {
  ledger: LedgerRow[];
  /** All labels, unless the simulation was given an `onException` hook (then they went there). */
  exceptions: ExceptionLabel[];
  /** Label counts by kind (all kinds present, zeros included). */
  counts: Record<ExceptionKind, number>;
  stats: SimulationStats;
}

export interface SimulationStats {
  /** Lines emitted, redeliveries included. */
  emitted: number;
  /** Distinct events (without redeliveries). */
  distinct: number;
  byType: Record<string, number>;
  duplicates: number;
  late: number;
  salesLines: number;
  purchaseLines: number;
  transfersInTransit: number;
  openSalesLines: number;
  openPurchaseLines: number;
}

export function emptyCounts(): Record<ExceptionKind, number> {
  return Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0])) as Record<ExceptionKind, number>;
}

/** Orders rows by sku, then location (code-unit order, deterministic everywhere). */
export function compareLedgerRows(a: Pick<LedgerRow, 'sku' | 'location'>, b: Pick<LedgerRow, 'sku' | 'location'>): number {
  if (a.sku !== b.sku) return a.sku < b.sku ? -1 : 1;
  if (a.location !== b.location) return a.location < b.location ? -1 : 1;
  return 0;
}
