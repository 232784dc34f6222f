import { dayIso, type InventoryHistory } from '../store/inventory-history-query.js';
import { leadTimeAt, situationAt, vendorDelaysAt } from './cell-situation.js';
import { stockoutRisk } from './stockout-risk.js';

/** One row of `stockout_risk` (store/migrations/008_models.sql). */
export interface StockoutRiskRow {
  company: string;
  sku: string;
  warehouse: string;
  /** YYYY-MM-DD: the risk is as of the start of this day and covers it and the next horizon − 1 days. */
  as_of: string;
  horizon_days: number;
  risk: number;
  days_of_cover: number | null;
  expected_stockout_day: string | null;
  suggested_order_qty: number;
  net: number;
  quarantined: number;
  in_transit: number;
  inbound: number;
  lead_time_days: number;
  /** Forecast demand over the horizon, units. */
  forecast_units: number;
  model_version: number;
}

export interface RiskSettings {
  horizonDays: number;
  samples: number;
  /** Lead time assumed for a cell that has never received a purchase. */
  defaultLeadTimeDays: number;
  reviewDays: number;
  serviceLevel: number;
}

export const DEFAULT_RISK_SETTINGS: RiskSettings = { horizonDays: 7, samples: 400, defaultLeadTimeDays: 7, reviewDays: 7, serviceLevel: 0.95 };

/** The settings with the configured horizon (LEDGERLINE_RISK_HORIZON_DAYS). */
export function riskSettings(config: { LEDGERLINE_RISK_HORIZON_DAYS: number }): RiskSettings {
  return { ...DEFAULT_RISK_SETTINGS, horizonDays: config.LEDGERLINE_RISK_HORIZON_DAYS };
}

/**
 * Scores every cell of `history` as of the start of `day`, with `dailyMean(i)`, the forecast daily
 * demand of cell i starting at that day (at least `horizonDays` values, more is used for the
 * suggested quantity and expected stockout date).
 */
export function scoreCells(
  history: InventoryHistory,
  day: number,
  dailyMean: (cellIndex: number) => readonly number[],
  modelVersion: number,
  settings: RiskSettings = DEFAULT_RISK_SETTINGS,
): StockoutRiskRow[] {
  const delays = vendorDelaysAt(history, day);
  return history.cells.map((cell, i) => {
    const situation = situationAt(cell, history.firstDay, day);
    const mean = dailyMean(i);
    const leadTimeDays = leadTimeAt(cell, day, settings.defaultLeadTimeDays);
    const r = stockoutRisk(situation, mean, {
      horizon: settings.horizonDays,
      samples: settings.samples,
      vendorDelays: delays,
      leadTimeDays,
      reviewDays: settings.reviewDays,
      serviceLevel: settings.serviceLevel,
      seed: seedOf(`${cell.company}/${cell.sku}@${cell.warehouse}`, day),
    });
    return {
      company: cell.company,
      sku: cell.sku,
      warehouse: cell.warehouse,
      as_of: dayIso(day),
      horizon_days: settings.horizonDays,
      risk: r.risk,
      days_of_cover: Number.isFinite(r.daysOfCover) ? Math.round(r.daysOfCover * 10) / 10 : null,
      expected_stockout_day: r.expectedStockoutIn === null ? null : dayIso(day + r.expectedStockoutIn),
      suggested_order_qty: r.suggestedOrderQty,
      net: situation.net,
      quarantined: situation.quarantined,
      in_transit: situation.inTransit,
      inbound: situation.inbound.reduce((a, l) => a + l.qty, 0),
      lead_time_days: leadTimeDays,
      forecast_units: Math.round(mean.slice(0, settings.horizonDays).reduce((a, x) => a + x, 0) * 100) / 100,
      model_version: modelVersion,
    };
  });
}

/** FNV-1a of the cell and the day: each cell and day its own repeatable random stream. */
function seedOf(cell: string, day: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < cell.length; i++) h = Math.imul(h ^ cell.charCodeAt(i), 0x01000193);
  return (h ^ Math.imul(day, 0x9e3779b1)) >>> 0;
}
