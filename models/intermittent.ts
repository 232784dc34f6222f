/**
 * Forecasts for intermittent demand: Croston (1972), its bias-corrected SBA (Syntetos & Boylan 2005)
 * and TSB (Teunter, Syntetos & Babai 2011). Each gives a flat per-period demand rate. Written here
 * because no maintained npm library implements them (augurs, the classical models used for smooth
 * series, does not); each is a few lines of exponential smoothing.
 */

export interface IntermittentForecast {
  /** Expected demand per period. */
  rate: number;
  /** Smoothed size of a demand when it occurs. */
  size: number;
  /** Croston/SBA: smoothed interval between demands (periods); TSB: 1 / probability of demand. */
  interval: number;
}

const NONE: IntermittentForecast = { rate: 0, size: 0, interval: Infinity };

/**
 * Croston: the size and the interval are smoothed separately, each only in periods with demand;
 * the rate is size ÷ interval. Starts from the first demand and the periods up to it.
 */
export function croston(series: readonly number[], alpha = 0.1): IntermittentForecast {
  let size = NaN;
  let interval = NaN;
  let since = 0;
  for (const x of series) {
    since++;
    if (!(x > 0)) continue;
    if (Number.isNaN(size)) {
      size = x;
      interval = since;
    } else {
      size += alpha * (x - size);
      interval += alpha * (since - interval);
    }
    since = 0;
  }
  return Number.isNaN(size) ? NONE : { rate: size / interval, size, interval };
}

/** SBA: Croston's rate × (1 − α/2), which removes most of Croston's upward bias. */
export function sba(series: readonly number[], alpha = 0.1): IntermittentForecast {
  const f = croston(series, alpha);
  return { ...f, rate: f.rate * (1 - alpha / 2) };
}

/**
 * TSB: the probability of demand is smoothed every period (so it decays while no demand comes, and
 * an item that stopped selling is forecast toward 0), the size only in periods with demand; the
 * rate is probability × size. Starts from the first demand: size = it, probability = 1 ÷ periods so far.
 */
export function tsb(series: readonly number[], alphaSize = 0.1, alphaProbability = 0.1): IntermittentForecast {
  let size = NaN;
  let probability = NaN;
  let seen = 0;
  for (const x of series) {
    seen++;
    const demand = x > 0;
    if (Number.isNaN(size)) {
      if (!demand) continue;
      size = x;
      probability = 1 / seen;
      continue;
    }
    probability += alphaProbability * ((demand ? 1 : 0) - probability);
    if (demand) size += alphaSize * (x - size);
  }
  return Number.isNaN(size) ? NONE : { rate: probability * size, size, interval: 1 / probability };
}
