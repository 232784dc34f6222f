import type { BusRecord } from '../bus/bus.js';
import { skuKey } from '../events/keys.js';
import type { ErpEvent, InventoryCountEvent, PurchaseOrderLineEvent, StockMoveEvent } from '../events/schema.js';
import { ADJUSTMENT_MODEL, addAdjustment, AdjustmentCell, AdjustmentPeers, scoreAdjustment, type Adjustment } from '../models/anomaly/adjustment-score.js';
import type { Reason, Scored } from '../models/anomaly/evidence.js';
import { PURCHASE_MODEL, PurchaseCell, scorePurchase, type PurchaseLine, type SeenLine } from '../models/anomaly/purchase-score.js';
import type { Store } from '../store/store.js';
import type { Emitter, Processor } from './processor.js';

export const ANOMALY_TABLE = 'anomaly_scores';

/** One SKU-warehouse: its adjustment history and, once it has purchase lines, theirs. */
interface Cell {
  company: string;
  sku: string;
  warehouse: string;
  adjustments: AdjustmentCell;
  purchases: PurchaseCell | undefined;
}

/** A stored score row as read back for restore. */
interface ScoreRow {
  company: string;
  kind: 'adjustment' | 'purchase';
  doc_id: string;
  related_id: string | null;
  sku: string;
  warehouse: string;
  event_id: string;
  occurred_at: string;
  reasons: string;
  qty: number;
  price: number;
  actor: string;
  reason_code: string | null;
  system_qty: number | null;
  learned: number;
  first_offset: number;
}

/** What a purchase line's row needs besides its score, to be written again as a duplicate. */
interface LineContext {
  eventId: string;
  orderId: string;
  orderedAt: string;
}

/**
 * Anomaly scores of inventory adjustments and purchase order lines (models/anomaly/, docs/anomaly.md):
 * one row per document in `anomaly_scores`, written when the document is first seen, with the score
 * in [0, 1] and its reasons.
 *
 * Deterministic in partition order: every statistic is kept per SKU-warehouse (the bus key) or per
 * partition (the peers of adjustments), and a document is scored once, at its first version seen
 * (later versions and redeliveries change nothing), so a replay after a crash writes the same rows.
 *
 * State comes from three streams, each restored up to each partition's committed offset in log
 * order: customer move sizes and unit costs (from `ledger_movements`), the counts that adjustments
 * follow (`count_outcomes`), and the scored documents themselves (`anomaly_scores` carries what each
 * added to the state).
 */
export class AnomalyScoringProcessor implements Processor {
  readonly name = 'anomaly-scoring';
  /** By company, then bus key (sku@warehouse). */
  private readonly cells = new Map<string, Map<string, Cell>>();
  /** Adjustment peers by partition, then company. */
  private readonly peers = new Map<number, Map<string, AdjustmentPeers>>();

  apply({ key, partition, offset, value: e }: BusRecord<ErpEvent>, out: Emitter): void {
    switch (e.type) {
      case 'stock_move':
        return this.move(key, partition, offset, e, out);
      case 'inventory_count':
        return this.count(key, e);
      case 'purchase_order_line':
        return this.purchase(key, offset, e, out);
      default:
        return;
    }
  }

  flush(): void {}

  private move(key: string, partition: number, offset: number, e: StockMoveEvent, out: Emitter): void {
    const cell = this.cell(e.company, key, e.sku);
    if (e.unit_cost > 0) cell.adjustments.unitCost = e.unit_cost;
    if (e.from_usage === 'customer' || e.to_usage === 'customer') {
      cell.adjustments.addSize(e.event_id, e.qty);
      return;
    }
    const out_ = e.to_usage === 'inventory';
    if (!out_ && e.from_usage !== 'inventory') return;
    if (cell.adjustments.scored.has(e.move_id)) return;
    const qty = out_ ? -e.qty : e.qty;
    const atMs = Date.parse(e.occurred_at);
    const count = cell.adjustments.countFor(qty, atMs);
    const adjustment: Adjustment = {
      qty,
      unitCost: e.unit_cost,
      atMs,
      countId: count?.countId ?? null,
      user: count?.user ?? '',
      reason: count?.reason ?? null,
      system: count?.system ?? NaN,
    };
    const peers = this.peersOf(partition, e.company);
    const scored = scoreAdjustment(cell.adjustments, peers, adjustment);
    cell.adjustments.scored.add(e.move_id);
    addAdjustment(cell.adjustments, peers, adjustment);
    out.emit(ANOMALY_TABLE, {
      ...head(cell, 'adjustment', e.move_id, adjustment.countId, e.event_id, e.occurred_at, scored, ADJUSTMENT_MODEL),
      qty,
      price: e.unit_cost,
      actor: adjustment.user,
      reason_code: adjustment.reason,
      system_qty: Number.isNaN(adjustment.system) ? null : adjustment.system,
      learned: 1,
      first_offset: offset,
      log_offset: offset,
    });
  }

  private count(key: string, e: InventoryCountEvent): void {
    this.cell(e.company, key, e.sku).adjustments.addCount({
      countId: e.count_id,
      diff: e.counted_qty - e.system_qty,
      atMs: Date.parse(e.occurred_at),
      user: e.user,
      reason: e.reason,
      system: e.system_qty,
      version: e.version,
    });
  }

  private purchase(key: string, offset: number, e: PurchaseOrderLineEvent, out: Emitter): void {
    const cell = this.cell(e.company, key, e.sku);
    const purchases = (cell.purchases ??= new PurchaseCell());
    if (purchases.scored.has(e.line_id)) return;
    const line: PurchaseLine = { lineId: e.line_id, vendor: e.vendor, qty: e.qty_ordered, price: e.unit_price, orderedMs: Date.parse(e.ordered_at) };
    const scored = scorePurchase(purchases, cell.adjustments.unitCost, line);
    const context: LineContext = { eventId: e.event_id, orderId: e.order_id, orderedAt: e.ordered_at };
    const seen: SeenLine = { ...line, reasons: JSON.stringify(scored.reasons), learned: scored.learn, duplicate: scored.reasons.some(isDuplicate), context: { ...context, firstOffset: offset } };
    purchases.add(seen);
    out.emit(ANOMALY_TABLE, purchaseRow(cell, seen, scored, offset));
    if (scored.rescore) {
      // The twin was ordered later but seen first: it is the duplicate. Its row is written again
      // (the higher log_offset replaces it); what it added to the state stays as first seen.
      const twin = scored.rescore.line;
      twin.reasons = JSON.stringify(scored.rescore.scored.reasons);
      twin.duplicate = true;
      out.emit(ANOMALY_TABLE, purchaseRow(cell, twin, scored.rescore.scored, offset));
    }
  }

  /**
   * The state of the owned partitions as of their committed offsets: rows written after them (by a
   * run that died before committing) are left to the replay of the log, which writes them again.
   */
  async restore(store: Store, committed: ReadonlyMap<number, number>, partitionOf: (key: string) => number): Promise<void> {
    const upto = Math.max(0, ...committed.values());
    if (upto === 0) return;
    const partition = (sku: string, warehouse: string) => partitionOf(skuKey(sku, warehouse));
    const covered = (p: number, logOffset: number) => logOffset <= (committed.get(p) ?? 0);

    type MoveRow = { company: string; sku: string; warehouse: string; event_id: string; qty: number; unit_cost: number; customer: number; log_offset: number };
    for await (const rows of store.queryChunks<MoveRow>(
      `SELECT company, sku, warehouse, event_id, abs(qty) AS qty, unit_cost, counterpart_usage = 'customer' AS customer, log_offset
       FROM ledger_movements FINAL WHERE log_offset <= {upto:UInt64}
       ORDER BY log_offset, company, sku, warehouse, location`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(partition(r.sku, r.warehouse), r.log_offset)) continue;
        const cell = this.cell(r.company, skuKey(r.sku, r.warehouse), r.sku);
        if (r.unit_cost > 0) cell.adjustments.unitCost = r.unit_cost;
        if (r.customer) cell.adjustments.addSize(r.event_id, r.qty);
      }
    }

    // Counts come back at their latest version only (count_outcomes keeps no history): exact for
    // counts with one version, which is what ERPs emit for a count; a count corrected around a
    // crash may hold another slot than in an uninterrupted run (docs/anomaly.md).
    type CountRow = { company: string; sku: string; warehouse: string; count_id: string; diff: number; system_qty: number; occurred_at: string; user: string; reason: string | null; count_version: number; log_offset: number };
    for await (const rows of store.queryChunks<CountRow>(
      `SELECT company, sku, warehouse, count_id, counted_qty - system_qty AS diff, system_qty, occurred_at, user, reason, count_version, log_offset
       FROM count_outcomes FINAL WHERE log_offset <= {upto:UInt64}
       ORDER BY log_offset, company, count_id`,
      { upto },
    )) {
      for (const r of rows) {
        if (!covered(partition(r.sku, r.warehouse), r.log_offset)) continue;
        this.cell(r.company, skuKey(r.sku, r.warehouse), r.sku).adjustments.addCount({ countId: r.count_id, diff: r.diff, atMs: Date.parse(r.occurred_at), user: r.user, reason: r.reason, system: r.system_qty, version: Number(r.count_version) });
      }
    }

    // A document's state is what it added when first seen (first_offset); a later row of it (a
    // purchase line found to be a duplicate) carries the same features and its newer reasons.
    for await (const rows of store.queryChunks<ScoreRow>(
      `SELECT company, kind, doc_id, related_id, event_id, sku, warehouse, occurred_at, reasons, qty, price, actor, reason_code, system_qty, learned, first_offset
       FROM ${ANOMALY_TABLE} FINAL WHERE first_offset <= {upto:UInt64}
       ORDER BY first_offset, kind, doc_id`,
      { upto },
    )) {
      for (const r of rows) {
        const p = partition(r.sku, r.warehouse);
        if (!covered(p, r.first_offset)) continue;
        const cell = this.cell(r.company, skuKey(r.sku, r.warehouse), r.sku);
        const atMs = Date.parse(r.occurred_at);
        if (r.kind === 'adjustment') {
          cell.adjustments.scored.add(r.doc_id);
          addAdjustment(cell.adjustments, this.peersOf(p, r.company), { qty: r.qty, unitCost: r.price, atMs, countId: r.related_id, user: r.actor, reason: r.reason_code, system: r.system_qty ?? NaN });
        } else {
          const duplicate = (JSON.parse(r.reasons) as Reason[]).some(isDuplicate);
          const context: LineContext & { firstOffset: number } = { eventId: r.event_id, orderId: r.related_id ?? '', orderedAt: r.occurred_at, firstOffset: r.first_offset };
          (cell.purchases ??= new PurchaseCell()).add({
            lineId: r.doc_id, vendor: r.actor, qty: r.qty, price: r.price, orderedMs: atMs,
            reasons: r.reasons, learned: r.learned === 1, duplicate, context,
          });
        }
      }
    }
  }

  private cell(company: string, key: string, sku: string): Cell {
    let byKey = this.cells.get(company);
    if (!byKey) this.cells.set(company, (byKey = new Map()));
    let cell = byKey.get(key);
    if (!cell) {
      cell = { company, sku, warehouse: key.slice(key.lastIndexOf('@') + 1), adjustments: new AdjustmentCell(), purchases: undefined };
      byKey.set(key, cell);
    }
    return cell;
  }

  private peersOf(partition: number, company: string): AdjustmentPeers {
    let byCompany = this.peers.get(partition);
    if (!byCompany) this.peers.set(partition, (byCompany = new Map()));
    let peers = byCompany.get(company);
    if (!peers) byCompany.set(company, (peers = new AdjustmentPeers()));
    return peers;
  }
}

/** The leading columns of a row; every row has the same keys in the same order (the TSV writer takes the first row's). */
function head(cell: Cell, kind: 'adjustment' | 'purchase', docId: string, relatedId: string | null, eventId: string, occurredAt: string, scored: Scored, model: string) {
  return {
    company: cell.company,
    kind,
    doc_id: docId,
    related_id: relatedId,
    event_id: eventId,
    sku: cell.sku,
    warehouse: cell.warehouse,
    occurred_at: occurredAt,
    score: scored.score,
    reasons: JSON.stringify(scored.reasons),
    model,
  };
}

function purchaseRow(cell: Cell, line: SeenLine, scored: Scored, offset: number): object {
  const c = line.context as LineContext & { firstOffset: number };
  return {
    ...head(cell, 'purchase', line.lineId, c.orderId, c.eventId, c.orderedAt, scored, PURCHASE_MODEL),
    qty: line.qty,
    price: line.price,
    actor: line.vendor,
    reason_code: null,
    system_qty: null,
    learned: line.learned ? 1 : 0,
    first_offset: c.firstOffset,
    log_offset: offset,
  };
}

function isDuplicate(r: Reason): boolean {
  return r.feature === 'duplicate';
}
