/**
 * Forecast accuracy measures for backtests (Hyndman & Koehler 2006; M5): scaled errors compare
 * with the in-sample error of the seasonal-naive forecast, so series of any size add up and a value
 * below 1 beats seasonal-naive. Intervals are judged by coverage, direction by bias.
 */

/** Mean absolute error of the seasonal-naive forecast (x[t] = x[t − season]) over `history`; NaN when too short. */
function naiveScale(history: readonly number[], season: number, power: 1 | 2): number {
  let sum = 0;
  let n = 0;
  for (let t = season; t < history.length; t++) {
    sum += Math.abs(history[t]! - history[t - season]!) ** power;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

function check(actual: readonly number[], forecast: readonly number[]): void {
  if (actual.length !== forecast.length || actual.length === 0) throw new RangeError(`accuracy: ${actual.length} actuals for ${forecast.length} forecasts (need the same number, at least one)`);
}

/** Mean absolute scaled error: MAE of the forecast ÷ in-sample MAE of seasonal-naive. Infinity when the history is constant. */
export function mase(history: readonly number[], actual: readonly number[], forecast: readonly number[], season = 1): number {
  check(actual, forecast);
  const mae = actual.reduce((a, y, i) => a + Math.abs(y - forecast[i]!), 0) / actual.length;
  return mae / naiveScale(history, season, 1);
}

/** Root mean squared scaled error (M5): √(MSE of the forecast ÷ in-sample MSE of seasonal-naive). */
export function rmsse(history: readonly number[], actual: readonly number[], forecast: readonly number[], season = 1): number {
  check(actual, forecast);
  const mse = actual.reduce((a, y, i) => a + (y - forecast[i]!) ** 2, 0) / actual.length;
  return Math.sqrt(mse / naiveScale(history, season, 2));
}

/** Symmetric MAPE in percent, 0–200; a period where both are 0 counts as exact. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  const terms = actual.map((y, i) => {
    const f = forecast[i]!;
    const denominator = Math.abs(y) + Math.abs(f);
    return denominator === 0 ? 0 : (2 * Math.abs(f - y)) / denominator;
  });
  return (100 * terms.reduce((a, x) => a + x, 0)) / terms.length;
}

/** Share of actuals inside their [lower, upper] interval. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  check(actual, lower);
  check(actual, upper);
  return actual.filter((y, i) => y >= lower[i]! && y <= upper[i]!).length / actual.length;
}

/** Mean of forecast − actual: positive over-forecasts. */
export function bias(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  return actual.reduce((a, y, i) => a + (forecast[i]! - y), 0) / actual.length;
}
