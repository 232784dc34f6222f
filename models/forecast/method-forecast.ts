import type { ForecastMethod } from './spec.js';

/** What one method returns for one series: the band and the method that really made it (after fallbacks). */
export interface MethodForecast {
  method: ForecastMethod;
  mean: number[];
  lower: number[];
  upper: number[];
}
