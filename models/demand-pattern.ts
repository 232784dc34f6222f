/**
 * The demand pattern of a series (Syntetos, Boylan & Croston 2005): how often demand occurs (ADI,
 * the average interval between periods with demand) and how much its size varies (CV², the squared
 * coefficient of variation of the non-zero sizes). It picks the forecasting method: smooth and
 * erratic series suit exponential smoothing, intermittent and lumpy ones Croston-type methods.
 */
export type DemandPattern = 'smooth' | 'erratic' | 'intermittent' | 'lumpy' | 'no demand';

/** The cut-offs of the classification (ADI 1.32, CV² 0.49), from the paper. */
export const ADI_CUTOFF = 1.32;
export const CV2_CUTOFF = 0.49;

export interface PatternOf {
  pattern: DemandPattern;
  /** Periods per period with demand (1: demand every period); Infinity with no demand. */
  adi: number;
  /** Of the non-zero sizes; 0 with fewer than two. */
  cv2: number;
}

/** Classifies a series of per-period demand (negative values are not demand and count as 0). */
export function demandPattern(series: readonly number[]): PatternOf {
  const sizes = series.filter((x) => x > 0);
  if (sizes.length === 0) return { pattern: 'no demand', adi: Infinity, cv2: 0 };
  const adi = series.length / sizes.length;
  const mean = sizes.reduce((a, x) => a + x, 0) / sizes.length;
  const variance = sizes.reduce((a, x) => a + (x - mean) ** 2, 0) / sizes.length;
  const cv2 = variance / mean ** 2;
  const frequent = adi < ADI_CUTOFF;
  const steady = cv2 < CV2_CUTOFF;
  const pattern: DemandPattern = frequent ? (steady ? 'smooth' : 'erratic') : steady ? 'intermittent' : 'lumpy';
  return { pattern, adi, cv2 };
}
