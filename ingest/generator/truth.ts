/**
 * Ground truth of a generated dataset: what a correct pipeline must find. Taken from the simulation's
 * own state (never by re-reading the emitted events).
 *
 * - `truth/ledger.jsonl`: the final stock ledger, one row per (sku, location) that ever held stock or a
 *   reservation at an internal or transit location, sorted by sku then location (plain code-unit string
 *   order, so `WH10` sorts before `WH2`).
 * - `truth/exceptions.jsonl`: one labelled business exception per line (see `ExceptionKind`).
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
