import { BILL_MATCH } from '../kpis/three-way-match.js';
import type { Condition } from './alert.js';
import { round, type AlertRule } from './rule.js';

interface MismatchRow {
  company: string;
  line_id: string;
  bill_id: string;
  purchase_line_id: string | null;
  vendor: string;
  sku: string;
  warehouse: string;
  billed_at: string;
  qty: number;
  unit_price: number;
  billed_for_line: number;
  po_unit_price: number | null;
  qty_ordered: number | null;
  received_qty: number | null;
  match: string;
}

/**
 * One alert per vendor bill line that fails the three-way match (kpis/three-way-match.ts, the same
 * definition as the KPI): no purchase line, a price other than the order's, more billed than ordered
 * or than received. For finance. A bill ahead of its goods clears by itself when they arrive.
 */
export const BILL_MISMATCH_RULE: AlertRule = {
  kind: 'bill_mismatch',
  ownerRole: 'finance',
  description:
    'A vendor bill line that fails the three-way match: no purchase line, price beyond LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT, quantity over ordered or over received (as the three_way_match_exceptions KPI).',
  documentRule: true,
  async evaluate({ store, settings }) {
    // The match's own columns are the bill's; the order's figures come from a second look-up of
    // the few purchase lines that failed (the evidence a person checks the bill against).
    const rows = await store.query<MismatchRow>(
      `SELECT m.company AS company, m.line_id AS line_id, m.bill_id AS bill_id, m.purchase_line_id AS purchase_line_id, m.vendor AS vendor,
              m.sku AS sku, m.warehouse AS warehouse, formatDateTime(m.billed_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS billed_at, m.qty AS qty,
              m.unit_price AS unit_price, m.billed_for_line AS billed_for_line, m.kind AS match,
              if(p.line_known, p.unit_price, NULL) AS po_unit_price, if(p.line_known, p.qty_ordered, NULL) AS qty_ordered,
              if(p.line_known, p.received_qty, NULL) AS received_qty
       FROM (SELECT * FROM (${BILL_MATCH}) WHERE kind != 'ok') AS m
       LEFT JOIN (
         SELECT company, line_id, line_known, unit_price, qty_ordered, received_qty FROM purchase_line_outcomes FINAL
         WHERE (company, line_id) IN (SELECT company, purchase_line_id FROM bill_line_outcomes)) AS p
         ON p.company = m.company AND p.line_id = m.purchase_line_id
       ORDER BY company, line_id`,
      { price_tolerance_percent: settings.billPriceTolerancePercent },
    );
    return rows.map((r): Condition => {
      const priceOff = r.po_unit_price ? round(((r.unit_price - r.po_unit_price) / r.po_unit_price) * 100, 2) : null;
      return {
        key: `${r.company}/${r.line_id}`,
        severity: r.match === 'price' && priceOff !== null && Math.abs(priceOff) < 5 ? 'medium' : 'high',
        ownerRole: 'finance',
        title: `Bill ${r.bill_id} from ${r.vendor} (${r.sku}, ${r.warehouse}): ${r.match}${priceOff !== null && r.match === 'price' ? ` (${priceOff > 0 ? '+' : ''}${priceOff}% vs the order)` : ''}`,
        subject: { company: r.company, sku: r.sku, warehouse: r.warehouse, vendor: r.vendor, bill_id: r.bill_id, line_id: r.line_id },
        evidence: {
          exception: r.match,
          bill_id: r.bill_id,
          bill_line_id: r.line_id,
          purchase_line_id: r.purchase_line_id,
          billed_at: r.billed_at,
          qty_billed: r.qty,
          billed_for_purchase_line: r.billed_for_line,
          unit_price: r.unit_price,
          po_unit_price: r.po_unit_price,
          price_difference_percent: priceOff,
          qty_ordered: r.qty_ordered,
          received_qty: r.received_qty,
          price_tolerance_percent: settings.billPriceTolerancePercent,
        },
        observedAt: r.billed_at,
      };
    });
  },
};
