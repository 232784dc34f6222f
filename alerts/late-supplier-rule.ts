import type { Condition } from './alert.js';
import type { AlertRule } from './rule.js';

interface LateLine {
  company: string;
  line_id: string;
  order_id: string;
  sku: string;
  warehouse: string;
  vendor: string;
  state: string;
  qty_ordered: number;
  received_qty: number;
  ordered_at: string | null;
  planned_day: string;
  original_planned_day: string | null;
  first_receipt_at: string | null;
  days_late: number;
}

/**
 * One alert per open purchase line whose planned day is over (by more than the grace days) at the
 * latest event time, for the buyer: the inbound the stock plan counts on is late. Judged like the
 * supplier OTIF KPI (the line's latest planned date, a vendor reschedule included). It clears when
 * the line is received in full, closed or cancelled.
 */
export const LATE_SUPPLIER_RULE: AlertRule = {
  kind: 'late_supplier',
  ownerRole: 'buyer',
  description: 'An open purchase line (not received in full, not cancelled or closed) more than LEDGERLINE_ALERT_LATE_SUPPLIER_DAYS days past its planned day at the latest event time.',
  documentRule: false,
  async evaluate({ store, thresholds, streamTime }) {
    if (streamTime === undefined) return undefined;
    const rows = await store.query<LateLine>(
      `SELECT company, line_id, order_id, sku, warehouse, vendor, state, qty_ordered, received_qty,
              formatDateTime(ordered_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS ordered_at, toString(p_day) AS planned_day,
              toString(toDate(original_planned_date)) AS original_planned_day,
              formatDateTime(first_receipt_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS first_receipt_at, days_late
       FROM (SELECT *, planned_day AS p_day, dateDiff('day', planned_day, {stream_day:Date}) AS days_late FROM purchase_line_outcomes FINAL
             WHERE line_known AND state NOT IN ('cancelled', 'done') AND qty_ordered > 0 AND received_qty < qty_ordered AND planned_day IS NOT NULL
               AND days_late > {grace:Int32})
       ORDER BY company, line_id`,
      { stream_day: streamTime.slice(0, 10), grace: Math.min(...thresholds.values('lateSupplierDays')) },
    );
    return rows.flatMap((r): Condition[] => {
      const open = r.qty_ordered - r.received_qty;
      const daysLate = Number(r.days_late);
      const grace = thresholds.get('lateSupplierDays', r);
      if (daysLate <= grace.value) return [];
      return [{
        key: `${r.company}/${r.line_id}`,
        severity: daysLate > 7 ? 'high' : daysLate > 2 ? 'medium' : 'low',
        ownerRole: 'buyer',
        title: `${r.vendor} is ${daysLate} day${daysLate === 1 ? '' : 's'} late with ${open} of ${r.qty_ordered} ${r.sku} for ${r.warehouse} (${r.line_id}, planned ${r.planned_day})`,
        subject: { company: r.company, sku: r.sku, warehouse: r.warehouse, vendor: r.vendor, order_id: r.order_id, line_id: r.line_id },
        evidence: {
          line_id: r.line_id,
          order_id: r.order_id,
          vendor: r.vendor,
          state: r.state,
          ordered_at: r.ordered_at,
          planned_day: r.planned_day,
          original_planned_day: r.original_planned_day,
          days_late: daysLate,
          qty_ordered: r.qty_ordered,
          received_qty: r.received_qty,
          open_qty: open,
          first_receipt_at: r.first_receipt_at,
          grace_days: grace.value,
          ...(grace.from === 'default' ? {} : { threshold_scope: grace.from }),
        },
        observedAt: `${r.planned_day}T23:59:59.999Z`,
      }];
    });
  },
};
