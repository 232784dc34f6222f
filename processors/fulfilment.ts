import { LineOutcomeProcessor } from './line-outcomes.js';

/**
 * Customer fulfilment: one outcome fact per sales order line (`sales_line_outcomes`): the line as
 * last seen, and its deliveries (done moves linked by sales_line_id into a customer location, minus
 * returns out of one) in event time: delivered quantity, first shipment, when it was complete, how
 * much arrived by the end of the committed day. The KPIs built on it (OTIF, fill rate) are in `kpis/`.
 */
export function fulfilmentProcessor(): LineOutcomeProcessor {
  return new LineOutcomeProcessor({
    name: 'fulfilment',
    table: 'sales_line_outcomes',
    lineType: 'sales_order_line',
    line: (e) => {
      if (e.type !== 'sales_order_line') throw new Error(`fulfilment: not a sales order line: ${e.type}`);
      return {
        company: e.company,
        lineId: e.line_id,
        sku: e.sku,
        warehouse: e.warehouse,
        orderId: e.order_id,
        partner: e.customer,
        version: e.version,
        qtyOrdered: e.qty_ordered,
        unitPrice: e.unit_price,
        state: e.state,
        orderedAt: e.ordered_at,
        dueAt: e.committed_date,
        otherDate: e.requested_date,
      };
    },
    linkColumn: 'sales_line_id',
    partnerUsage: 'customer',
    direction: 'to partner',
    columns: {
      partner: 'customer',
      due: 'committed_date',
      other: 'requested_date',
      moved: 'delivered_qty',
      byDue: 'delivered_by_commit',
      firstAt: 'first_shipment_at',
      firstQty: 'first_shipment_qty',
    },
  });
}
