import { LineOutcomeProcessor } from './line-outcomes.js';

/**
 * Procurement: one outcome fact per purchase order line (`purchase_line_outcomes`): the line as last
 * seen, and its receipts (done moves linked by purchase_line_id out of a supplier location, minus
 * returns to one) in event time: received quantity, first receipt, when it was complete, how much
 * arrived by the end of the planned day. Supplier OTIF is built on it in `kpis/`.
 */
export function procurementProcessor(): LineOutcomeProcessor {
  return new LineOutcomeProcessor({
    name: 'procurement',
    table: 'purchase_line_outcomes',
    lineType: 'purchase_order_line',
    line: (e) => {
      if (e.type !== 'purchase_order_line') throw new Error(`procurement: not a purchase order line: ${e.type}`);
      return {
        company: e.company,
        lineId: e.line_id,
        sku: e.sku,
        warehouse: e.warehouse,
        orderId: e.order_id,
        partner: e.vendor,
        version: e.version,
        qtyOrdered: e.qty_ordered,
        unitPrice: e.unit_price,
        state: e.state,
        orderedAt: e.ordered_at,
        dueAt: e.planned_date,
        otherDate: e.original_planned_date,
      };
    },
    linkColumn: 'purchase_line_id',
    partnerUsage: 'supplier',
    direction: 'from partner',
    columns: {
      partner: 'vendor',
      due: 'planned_date',
      other: 'original_planned_date',
      moved: 'received_qty',
      byDue: 'received_by_planned',
      firstAt: 'first_receipt_at',
      firstQty: 'first_receipt_qty',
    },
  });
}
