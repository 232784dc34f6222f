import { forecastSeries } from '../models/forecast/forecast.js';
import { parseForecastSpec, type ForecastSpec } from '../models/forecast/spec.js';
import { ModelRegistry, type ModelVersion } from '../models/registry.js';
import { ORDER_SIZE_MEMORY } from '../models/stockout-risk.js';
import { DEFAULT_RISK_SETTINGS, scoreCells, type RiskSettings } from '../models/stockout-scores.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import { dayIso, epochDay, queryInventoryHistory } from '../store/inventory-history-query.js';
import type { Store } from '../store/store.js';

/** The registry kind of the demand forecast models. */
export const FORECAST_MODEL = 'demand-forecast';
/** What scores when no forecast model was promoted yet: version 0. */
export const DEFAULT_FORECAST_SPEC: ForecastSpec = { kind: 'auto', horizon: 28, level: 0.8 };

export interface ScoringResult {
  as_of: string;
  cells: number;
  /** Cells whose risk is at least 0.5. */
  at_risk: number;
  model_version: number;
  method_counts: Record<string, number>;
  seconds: number;
}

/** The promoted forecast model (read on every scoring run: a promotion applies from the next run). */
export async function forecastModel(store: Store): Promise<{ version: number; spec: ForecastSpec }> {
  const promoted = await new ModelRegistry(store).promoted(FORECAST_MODEL);
  return promoted ? { version: promoted.version, spec: runnableSpec(promoted) } : { version: 0, spec: DEFAULT_FORECAST_SPEC };
}

/** A registered version's spec, pointed at its trained weights when it has some. */
export function runnableSpec(version: ModelVersion): ForecastSpec {
  const spec = parseForecastSpec(version.spec);
  return version.artifact && spec.kind === 'global-tfjs' ? { ...spec, params: { ...spec.params, modelDir: version.artifact } } : spec;
}

/**
 * Forecasts demand and scores stockout risk for every SKU and warehouse with the promoted model,
 * as of the start of `asOfDay` (days since the epoch; default: the day of the stream's latest event
 * time — today in event time, from the days before it, which are complete but for late events; the
 * same view the backtest validates), and stores both. Returns undefined when nothing has been
 * processed yet.
 */
export async function scoreStockouts(
  store: Store,
  options: { asOfDay?: number; settings?: RiskSettings; onProgress?: (done: number, total: number) => void } = {},
): Promise<ScoringResult | undefined> {
  const started = Date.now();
  let asOfDay = options.asOfDay;
  if (asOfDay === undefined) {
    const time = await streamTime(new Checkpoints(store));
    if (time === undefined) return undefined;
    asOfDay = epochDay(Date.parse(time));
  }
  const settings = options.settings ?? DEFAULT_RISK_SETTINGS;
  const model = await forecastModel(store);
  const history = await queryInventoryHistory(store, asOfDay, { orderSizes: ORDER_SIZE_MEMORY });
  const horizon = Math.max(model.spec.horizon, settings.horizonDays);
  const series = history.cells.map((c, i) => ({ id: String(i), values: Array.from(c.demand) }));
  const usable = series.filter((s) => s.values.length > 0);
  const forecasts = usable.length
    ? await forecastSeries(usable, { ...model.spec, horizon }, options.onProgress ? { onProgress: options.onProgress } : {})
    : [];
  const byCell = new Map(forecasts.map((f) => [Number(f.id), f]));
  const rows = scoreCells(history, asOfDay, (i) => byCell.get(i)?.mean ?? new Array<number>(horizon).fill(0), model.version, settings);
  const scoredAt = new Date().toISOString();
  const asOf = dayIso(asOfDay);
  const forecastRows = [];
  const methodCounts: Record<string, number> = {};
  for (const [i, cell] of history.cells.entries()) {
    const f = byCell.get(i);
    if (!f) continue;
    methodCounts[f.method] = (methodCounts[f.method] ?? 0) + 1;
    for (let k = 0; k < f.mean.length; k++) {
      forecastRows.push({
        company: cell.company,
        sku: cell.sku,
        warehouse: cell.warehouse,
        as_of: asOf,
        day: dayIso(asOfDay + k),
        mean: f.mean[k],
        lower: f.lower[k],
        upper: f.upper[k],
        level: model.spec.level,
        method: f.method,
        model_version: model.version,
        scored_at: scoredAt,
      });
    }
  }
  await store.insert('demand_forecasts', forecastRows);
  await store.insert('stockout_risk', rows.map((r) => ({ ...r, scored_at: scoredAt })));
  return {
    as_of: asOf,
    cells: rows.length,
    at_risk: rows.filter((r) => r.risk >= 0.5).length,
    model_version: model.version,
    method_counts: methodCounts,
    seconds: Math.round((Date.now() - started) / 10) / 100,
  };
}
