/**
 * The linear global model: one least-squares regression (ml-regression-multivariate-linear) on
 * the same scaled lag / rolling-mean / day-of-week features as the net, over all series. It fits
 * in well under a second, so it is retrained on every call rather than saved; it is the yardstick
 * the net has to beat to be worth its training time.
 */
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { forecastWith, heldOutQuantiles, trainingSet, type Predictor } from './global-common.js';
import type { ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';

function rowsOf(x: Float32Array, rows: number, features: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * features, (r + 1) * features)));
}

export function forecastGlobalLinear(series: readonly SeriesInput[], spec: ForecastSpec): SeriesForecast[] {
  const season = spec.params?.season ?? 7;
  const set = trainingSet(series, spec.horizon, season, spec.params?.seed ?? 1);
  const regression = new MultivariateLinearRegression(
    rowsOf(set.x, set.rows, set.features),
    Array.from(set.y, (v) => [v]),
    // No separate intercept: the day-of-week one-hot columns sum to 1 and already are one.
    { intercept: false, statistics: false },
  );
  const predict: Predictor = (x, rows) => regression.predict(rowsOf(x, rows, set.features)).map((r) => r[0]!);
  const quantiles = heldOutQuantiles(predict, series, set, spec.horizon, season);
  return forecastWith(predict, { season, quantiles }, 'global-linear', series, spec.horizon, spec.level);
}
