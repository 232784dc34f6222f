/**
 * The automatic choice: the demand pattern (ADI / CV², models/demand-pattern.ts) decides between
 * the smoothing family (smooth, erratic: demand most days, so level, trend and the weekly shape
 * can be estimated) and the Croston family (intermittent, lumpy: mostly zero days, where
 * exponential smoothing chases every spike and seasonal-naive repeats last week's accidents).
 */
import type { DemandPattern } from '../demand-pattern.js';
import type { ForecastParams, IntermittentMethod, SmoothMethod } from './spec.js';

export type AutoChoice = SmoothMethod | IntermittentMethod | 'zero';

/** Defaults chosen on generator backtests (docs/forecasting.md has the figures). */
export const AUTO_DEFAULTS: { smooth: SmoothMethod; intermittent: IntermittentMethod; lumpy: IntermittentMethod } = {
  smooth: 'seasonal-ets',
  intermittent: 'tsb',
  lumpy: 'tsb',
};

export function autoMethod(pattern: DemandPattern, params: ForecastParams = {}): AutoChoice {
  switch (pattern) {
    case 'no demand':
      return 'zero';
    case 'smooth':
    case 'erratic':
      return params.smooth ?? AUTO_DEFAULTS.smooth;
    case 'intermittent':
      return params.intermittent ?? AUTO_DEFAULTS.intermittent;
    case 'lumpy':
      return params.lumpy ?? AUTO_DEFAULTS.lumpy;
  }
}
