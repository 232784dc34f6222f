import type { InventoryHistory } from '../store/inventory-history-query.js';
import { forecastSeries } from './forecast/forecast.js';
import type { ForecastSpec } from './forecast/spec.js';
import type { RiskScore } from './stockout-evaluation.js';
import { DEFAULT_RISK_SETTINGS, scoreCells, type RiskSettings } from './stockout-scores.js';

export interface RiskBacktestOptions {
  /** First and last day scored (days since the epoch). */
  fromDay: number;
  toDay: number;
  /** Days between forecast refits (a forecast made at a refit serves the days up to the next one). */
  refitEvery?: number;
  settings?: RiskSettings;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores every cell on every day of [fromDay, toDay] as the live scoring would have then: the
 * situation at the start of the day, a forecast fitted on the demand before the last refit. Cells
 * are `sku@warehouse` (one company).
 */
export async function backtestStockoutRisk(history: InventoryHistory, spec: ForecastSpec, o: RiskBacktestOptions): Promise<RiskScore[]> {
  const settings = o.settings ?? DEFAULT_RISK_SETTINGS;
  const every = o.refitEvery ?? 7;
  if (o.fromDay <= history.firstDay) throw new Error(`backtestStockoutRisk: fromDay must be after the history's first day (${history.firstDay}): a forecast needs at least one day before it`);
  const scores: RiskScore[] = [];
  const total = o.toDay - o.fromDay + 1;
  for (let origin = o.fromDay; origin <= o.toDay; origin += every) {
    const upTo = origin - history.firstDay;
    const series = history.cells.map((c, i) => ({ id: String(i), values: Array.from(c.demand.subarray(0, upTo)) }));
    const horizon = Math.max(spec.horizon, settings.horizonDays) + every;
    const forecasts = await forecastSeries(series, { ...spec, horizon });
    for (let day = origin; day < origin + every && day <= o.toDay; day++) {
      const rows = scoreCells(history, day, (i) => forecasts[i]!.mean.slice(day - origin), 0, settings);
      for (const r of rows) scores.push({ cell: `${r.sku}@${r.warehouse}`, day, risk: r.risk });
      o.onProgress?.(day - o.fromDay + 1, total);
    }
  }
  return scores;
}
