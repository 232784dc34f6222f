/**
 * Rolling-origin backtest: cut each series at several origins (the last `horizon` days, then a
 * week earlier, and so on), forecast from what came before, and score against what followed with
 * models/accuracy.ts. The spec is scored next to the two baselines it has to beat — seasonal-naive
 * and plain ETS — on exactly the same cuts, overall and per demand pattern.
 */
import { bias, coverage, mase, rmsse, smape } from '../accuracy.js';
import { demandPattern, type DemandPattern } from '../demand-pattern.js';
import { forecastSeries } from './forecast.js';
import { ForecastSpecError, parseForecastSpec, type ForecastSpec, type SeriesForecast, type SeriesInput } from './spec.js';

export interface BacktestOptions {
  /** How many forecast origins per series (≥ 1). */
  origins: number;
  /** Days forecast from each origin (default: the spec's horizon). */
  horizon?: number;
  /** Days between consecutive origins (default 7: one held-out week further back each time). */
  step?: number;
  /** Season of the MASE/RMSSE scale (default 7: errors relative to in-sample seasonal-naive). */
  season?: number;
  /** Shortest history a cut may leave (default 28); shorter cuts are not scored. */
  minHistory?: number;
  /** Score the baselines too (default true). */
  baselines?: boolean;
  workers?: number;
  /** Forecasts made so far over all contenders (the spec and each baseline: total = cuts × contenders). */
  onProgress?: (done: number, total: number) => void;
}

/** Means over the scored (series, origin) cuts. */
export interface AccuracySummary {
  /** Cuts scored. */
  forecasts: number;
  /** Mean MASE (season-scaled); cuts whose history has no seasonal variation (scale 0) are left out. */
  mase: number;
  /** Mean RMSSE, same scale rule. */
  rmsse: number;
  /** Mean sMAPE, percent (0–200). */
  smape: number;
  /** Share of actual days inside the interval (should be near the level). */
  coverage: number;
  /**
   * Σ mean(forecast − actual) ÷ Σ mean daily demand of the history, over the cuts: the average
   * error relative to the average level (+ over-forecasts). Pooled rather than a mean of ratios so
   * a slow mover's one big order does not swamp it.
   */
  bias: number;
  /** Cuts left out of the scaled measures (MASE, RMSSE) because their scale was 0. */
  unscaled: number;
}

export interface BacktestEntry {
  name: string;
  spec: ForecastSpec;
  overall: AccuracySummary;
  byPattern: Partial<Record<DemandPattern, AccuracySummary>>;
  /** How many cuts each method forecast (auto's choices, fallbacks). */
  methods: Record<string, number>;
}

export interface BacktestReport {
  horizon: number;
  level: number;
  origins: number;
  step: number;
  season: number;
  /** Series with at least one scored cut. */
  series: number;
  /** The spec first, then the baselines. */
  entries: BacktestEntry[];
}

interface Cut {
  pattern: DemandPattern;
  history: number[];
  actual: number[];
}

interface Scores {
  mase: number;
  rmsse: number;
  smape: number;
  coverage: number;
  /** Mean forecast − actual, in units. */
  error: number;
  /** Mean daily demand of the history. */
  level: number;
}

export async function backtest(series: readonly SeriesInput[], spec: ForecastSpec, options: BacktestOptions): Promise<BacktestReport> {
  const checked = parseForecastSpec(spec);
  const horizon = options.horizon ?? checked.horizon;
  const step = options.step ?? 7;
  const season = options.season ?? 7;
  const minHistory = options.minHistory ?? 28;
  if (!Number.isInteger(options.origins) || options.origins < 1) throw new ForecastSpecError(`backtest: origins must be a whole number ≥ 1 (got ${options.origins})`);
  if (!Number.isInteger(step) || step < 1) throw new ForecastSpecError(`backtest: step must be a whole number of days ≥ 1 (got ${step})`);
  // A saved global model has seen the held-out days: backtest its training procedure instead, once per origin.
  const { modelDir: _saved, ...params } = checked.params ?? {};
  const run: ForecastSpec = { ...checked, horizon, ...(checked.params ? { params } : {}) };

  const cuts: Cut[] = [];
  const inputs: SeriesInput[] = [];
  /** The origin (0: the latest) of each input. */
  const originOf: number[] = [];
  const scoredSeries = new Set<string>();
  for (let o = options.origins - 1; o >= 0; o--) {
    for (const s of series) {
      const origin = s.values.length - horizon - o * step;
      if (origin < minHistory) continue;
      const history = s.values.slice(0, origin);
      cuts.push({ pattern: demandPattern(history).pattern, history, actual: s.values.slice(origin, origin + horizon) });
      inputs.push({ id: `${s.id}@${origin}`, values: history });
      originOf.push(o);
      scoredSeries.add(s.id);
    }
  }
  if (cuts.length === 0) throw new ForecastSpecError(`backtest: no series is long enough for ${options.origins} origin(s) ${step} days apart with a ${horizon}-day horizon and ${minHistory} days of history`);

  const contenders: { name: string; spec: ForecastSpec }[] = [{ name: checked.kind, spec: run }];
  if (options.baselines !== false) {
    contenders.push({ name: 'seasonal-naive', spec: { kind: 'seasonal-naive', horizon, level: checked.level, params: { season } } });
    contenders.push({ name: 'ets', spec: { kind: 'ets', horizon, level: checked.level } });
  }
  const entries: BacktestEntry[] = [];
  const total = inputs.length * contenders.length;
  const workers = options.workers !== undefined ? { workers: options.workers } : {};
  for (const [k, c] of contenders.entries()) {
    let forecasts: SeriesForecast[];
    if (c.spec.kind === 'global-tfjs' || c.spec.kind === 'global-linear') {
      // A global model trains on every series it is given: one model per origin, on the cuts of that
      // origin only, or a later cut's history would hold an earlier cut's held-out days.
      forecasts = new Array<SeriesForecast>(inputs.length);
      let done = 0;
      for (let o = options.origins - 1; o >= 0; o--) {
        const at = inputs.flatMap((_, i) => (originOf[i] === o ? [i] : []));
        if (at.length === 0) continue;
        const part = await forecastSeries(at.map((i) => inputs[i]!), c.spec, workers);
        at.forEach((i, j) => (forecasts[i] = part[j]!));
        done += at.length;
        options.onProgress?.(k * inputs.length + done, total);
      }
    } else {
      const onProgress = options.onProgress ? (done: number) => options.onProgress!(k * inputs.length + done, total) : undefined;
      forecasts = await forecastSeries(inputs, c.spec, { ...workers, ...(onProgress ? { onProgress } : {}) });
    }
    entries.push(summarise(c.name, c.spec, cuts, forecasts, season));
  }
  return { horizon, level: checked.level, origins: options.origins, step, season, series: scoredSeries.size, entries };
}

function score(cut: Cut, f: SeriesForecast, season: number): Scores {
  return {
    mase: mase(cut.history, cut.actual, f.mean, season),
    rmsse: rmsse(cut.history, cut.actual, f.mean, season),
    smape: smape(cut.actual, f.mean),
    coverage: coverage(cut.actual, f.lower, f.upper),
    error: bias(cut.actual, f.mean),
    level: cut.history.reduce((a, x) => a + x, 0) / cut.history.length,
  };
}

function summarise(name: string, spec: ForecastSpec, cuts: readonly Cut[], forecasts: readonly SeriesForecast[], season: number): BacktestEntry {
  const all: Scores[] = [];
  const byPattern = new Map<DemandPattern, Scores[]>();
  const methods: Record<string, number> = {};
  cuts.forEach((cut, i) => {
    const f = forecasts[i]!;
    const s = score(cut, f, season);
    all.push(s);
    const list = byPattern.get(cut.pattern) ?? [];
    list.push(s);
    byPattern.set(cut.pattern, list);
    methods[f.method] = (methods[f.method] ?? 0) + 1;
  });
  const patterns: Partial<Record<DemandPattern, AccuracySummary>> = {};
  for (const p of ['smooth', 'erratic', 'intermittent', 'lumpy', 'no demand'] as const) {
    const list = byPattern.get(p);
    if (list) patterns[p] = aggregate(list);
  }
  return { name, spec, overall: aggregate(all), byPattern: patterns, methods };
}

function aggregate(scores: readonly Scores[]): AccuracySummary {
  const meanOf = (pick: (s: Scores) => number) => {
    const xs = scores.map(pick).filter(Number.isFinite);
    return xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN;
  };
  return {
    forecasts: scores.length,
    mase: meanOf((s) => s.mase),
    rmsse: meanOf((s) => s.rmsse),
    smape: meanOf((s) => s.smape),
    coverage: meanOf((s) => s.coverage),
    bias: scores.reduce((a, s) => a + s.error, 0) / scores.reduce((a, s) => a + s.level, 0),
    unscaled: scores.filter((s) => !Number.isFinite(s.mase)).length,
  };
}
