/**
 * The exponential-smoothing methods, on augurs (Rust compiled to wasm): plain non-seasonal ETS
 * (AutoETS over the "ZZN" family — it has no seasonal ETS), MSTL with an ETS trend for weekly
 * seasonality, and `seasonal-ets`, the cheap variant: classical weekly indices off, ETS on the rest,
 * indices back on. augurs' intervals are used as they are, clamped at 0.
 */
import { AutoETS, MSTL, loadAugurs, type AugursForecast } from './augurs-wasm.js';
import { clampBand, type Band } from './intervals.js';
import { meanForecast } from './mean-forecast.js';
import type { MethodForecast } from './method-forecast.js';
import { additiveSeasonalIndices, multiplicativeSeasonalIndices } from './seasonal-indices.js';

/** AutoETS refuses fewer values ("not enough data"). */
export const ETS_MIN_LENGTH = 7;

/** The forecast as a band, unclamped; throws on anything non-finite so the caller can fall back. */
function band(f: AugursForecast, horizon: number): Band {
  // augurs omits intervals when its model cannot give any: fall back rather than claim zero width.
  if (!f.intervals) throw new Error('augurs gave no prediction intervals');
  const mean = f.point.slice(0, horizon);
  const lower = f.intervals.lower.slice(0, horizon);
  const upper = f.intervals.upper.slice(0, horizon);
  if (mean.length !== horizon || [...mean, ...lower, ...upper].some((x) => !Number.isFinite(x))) throw new Error('augurs returned a non-finite or short forecast');
  return { mean, lower, upper };
}

function fitEts(values: readonly number[], horizon: number, level: number): Band {
  loadAugurs();
  const model = new AutoETS(1, 'ZZN');
  try {
    model.fit(Float64Array.from(values));
    return band(model.predict(horizon, level), horizon);
  } finally {
    model.free();
  }
}

/** Non-seasonal AutoETS; the mean of the history when it is too short or no model fits (e.g. a constant). */
export function etsForecast(values: readonly number[], horizon: number, level: number): MethodForecast {
  if (values.length < ETS_MIN_LENGTH) return meanForecast(values, horizon, level);
  // Outside the try: a broken install must fail loudly, not turn every forecast into a mean.
  loadAugurs();
  try {
    return { method: 'ets', ...clampBand(fitEts(values, horizon, level)) };
  } catch {
    return meanForecast(values, horizon, level);
  }
}

/** MSTL (seasonal periods [season]) with an AutoETS trend; needs two seasons, else ETS. */
export function mstlForecast(values: readonly number[], horizon: number, level: number, season = 7): MethodForecast {
  if (values.length < 2 * season) return etsForecast(values, horizon, level);
  loadAugurs();
  const model = new MSTL('ets', [season]);
  try {
    model.fit(Float64Array.from(values));
    return { method: 'mstl', ...clampBand(band(model.predict(horizon, level), horizon)) };
  } catch {
    return etsForecast(values, horizon, level);
  } finally {
    model.free();
  }
}

/**
 * Classical weekly indices off, AutoETS on what is left, indices back on: one AutoETS fit instead
 * of MSTL's LOESS iterations plus the fit. Multiplicative indices by default (demand's weekly shape
 * scales with its level: a quiet Sunday is a share of a busy week, not a fixed amount less);
 * additive when a position never saw any level. The interval is ETS's, put through the same index,
 * so it ignores the (small) uncertainty of the indices themselves.
 */
export function seasonalEtsForecast(values: readonly number[], horizon: number, level: number, season = 7, mode: 'multiplicative' | 'additive' = 'multiplicative'): MethodForecast {
  const n = values.length;
  loadAugurs();
  const ratios = mode === 'multiplicative' ? multiplicativeSeasonalIndices(values, season) : null;
  // Dividing by a near-zero index would turn that day's noise into huge swings of the level.
  const usable = ratios && ratios.every((r) => r >= 0.05) ? ratios : null;
  const offsets = usable ? null : additiveSeasonalIndices(values, season);
  if (!usable && !offsets) return etsForecast(values, horizon, level);
  const adjusted = usable ? values.map((x, t) => x / usable[t % season]!) : values.map((x, t) => x - offsets![t % season]!);
  let fit: Band;
  try {
    // Unclamped: the clamp has to come after the indices are put back.
    fit = fitEts(adjusted, horizon, level);
  } catch {
    return etsForecast(values, horizon, level);
  }
  const back = usable ? (xs: number[]) => xs.map((x, h) => x * usable[(n + h) % season]!) : (xs: number[]) => xs.map((x, h) => x + offsets![(n + h) % season]!);
  return { method: 'seasonal-ets', ...clampBand({ mean: back(fit.mean), lower: back(fit.lower), upper: back(fit.upper) }) };
}
