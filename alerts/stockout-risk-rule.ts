import type { Condition, Severity } from './alert.js';
import type { StockoutRiskRow } from '../models/stockout-scores.js';
import { round, type AlertRule } from './rule.js';

/** A row of stockout_risk, as models/stockout-scores.ts writes it. */
type RiskRow = StockoutRiskRow;

interface InboundRow {
  company: string;
  sku: string;
  warehouse: string;
  line_id: string;
  order_id: string;
  vendor: string;
  open_qty: number;
  planned_day: string | null;
}

/** Inbound lines listed per alert: the buyer needs the ones to chase, not the whole book. */
const MAX_INBOUND_LINES = 10;

/**
 * One alert per SKU-warehouse whose stockout risk, in the latest scoring (a snapshot as of one day),
 * is at or above the threshold; it clears when a later scoring puts it below. The evidence is the
 * scoring's figures and the open purchase lines already coming for the cell.
 */
export const STOCKOUT_RISK_RULE: AlertRule = {
  kind: 'stockout_risk',
  ownerRole: 'buyer',
  description: 'A SKU-warehouse whose probability of running out within the risk horizon (latest scoring) is at least LEDGERLINE_ALERT_STOCKOUT_RISK.',
  documentRule: false,
  async evaluate({ store, thresholds }) {
    const [latest] = await store.query<{ as_of: string; n: number }>('SELECT toString(max(as_of)) AS as_of, count() AS n FROM stockout_risk');
    if (!latest || Number(latest.n) === 0) return undefined;
    const rows = await store.query<RiskRow>(
      `SELECT company, sku, warehouse, toString(as_of) AS as_of, horizon_days, risk, days_of_cover, toString(expected_stockout_day) AS expected_stockout_day,
              suggested_order_qty, net, quarantined, in_transit, inbound, lead_time_days, forecast_units, model_version
       FROM (SELECT * FROM stockout_risk FINAL WHERE as_of = {as_of:Date} AND risk >= {threshold:Float64})
       ORDER BY company, sku, warehouse`,
      { as_of: latest.as_of, threshold: Math.min(...thresholds.values('stockoutRisk')) },
    );
    const judged = rows.flatMap((r) => {
      const threshold = thresholds.get('stockoutRisk', r);
      return r.risk >= threshold.value ? [{ r, threshold }] : [];
    });
    if (judged.length === 0) return [];
    const inbound = await store.query<InboundRow>(
      `SELECT company, sku, warehouse, line_id, order_id, vendor, qty_ordered - received_qty AS open_qty, toString(p_day) AS planned_day
       FROM (SELECT *, planned_day AS p_day FROM purchase_line_outcomes FINAL
             WHERE line_known AND state != 'cancelled' AND received_qty < qty_ordered
               AND (company, sku, warehouse) IN (SELECT company, sku, warehouse FROM stockout_risk FINAL WHERE as_of = {as_of:Date} AND risk >= {threshold:Float64}))
       ORDER BY company, sku, warehouse, p_day, line_id`,
      { as_of: latest.as_of, threshold: Math.min(...thresholds.values('stockoutRisk')) },
    );
    const byCell = new Map<string, InboundRow[]>();
    for (const l of inbound) {
      const key = `${l.company}/${l.sku}@${l.warehouse}`;
      const list = byCell.get(key) ?? [];
      if (list.length < MAX_INBOUND_LINES) list.push(l);
      byCell.set(key, list);
    }
    return judged.map(({ r, threshold }): Condition => {
      const key = `${r.company}/${r.sku}@${r.warehouse}`;
      return {
        key,
        severity: severityOf(r),
        ownerRole: 'buyer',
        title: `${r.sku} at ${r.warehouse}: ${Math.round(r.risk * 100)}% risk of a stockout within ${r.horizon_days} days`,
        subject: { company: r.company, sku: r.sku, warehouse: r.warehouse },
        evidence: {
          as_of: r.as_of,
          horizon_days: Number(r.horizon_days),
          risk: round(r.risk),
          days_of_cover: r.days_of_cover,
          expected_stockout_day: r.expected_stockout_day,
          suggested_order_qty: r.suggested_order_qty,
          net: r.net,
          quarantined: r.quarantined,
          in_transit: r.in_transit,
          inbound: r.inbound,
          lead_time_days: Number(r.lead_time_days),
          forecast_units: r.forecast_units,
          inbound_lines: (byCell.get(key) ?? []).map((l) => ({ line_id: l.line_id, order_id: l.order_id, vendor: l.vendor, open_qty: l.open_qty, planned_day: l.planned_day })),
          model: 'demand-forecast',
          model_version: Number(r.model_version),
          threshold: threshold.value,
          ...(threshold.from === 'default' ? {} : { threshold_scope: threshold.from }),
        },
        observedAt: `${r.as_of}T00:00:00.000Z`,
      };
    });
  },
};

/** Out already, or likely to be before a purchase placed today could arrive: the buyer acts today. */
function severityOf(r: RiskRow): Severity {
  if (r.net <= 0 && r.inbound <= 0) return 'critical';
  if (r.risk >= 0.9) return 'high';
  return r.risk >= 0.7 ? 'medium' : 'low';
}
