import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { compact, day, purchaseLine, receipt, runScenario } from '../testing/kpi-scenario.js';

/**
 * Ordered Jan 1 09:00 (UTC): L1 first received Jan 4 12:00 (3.125 days), L2 Jan 5 20:00 (4.458333),
 * L3 Jan 7 12:00 (6.125; its second receipt does not count), L4 not received. L5 was planned for
 * Jan 2 12:00 (1.125 days out: an emergency with the default 3 days); the others 4+ days out.
 */
function leadTimeScenario(): ErpEvent[] {
  return [
    purchaseLine('L1', 10, day('05')),
    purchaseLine('L2', 10, day('06')),
    purchaseLine('L3', 10, day('07')),
    purchaseLine('L4', 10, day('09')),
    purchaseLine('L5', 10, day('02')),
    receipt('L1', 10, day('04')),
    receipt('L2', 10, day('05', '20:00:00.000')),
    receipt('L3', 4, day('07')),
    receipt('L3', 6, day('08')),
  ];
}

describe('purchase lead time and emergency purchases', () => {
  it('give mean, 90th percentile, variability and the emergency share as computed by hand', async () => {
    for (const events of [leadTimeScenario(), leadTimeScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'purchase_lead_time' }))).toEqual([
          ['2025-01-04', 'acme', 3.125, 1],
          ['2025-01-05', 'acme', 4.458333, 1],
          ['2025-01-07', 'acme', 6.125, 1],
        ]);
        // Jan 4 and 5 fall in the week of Monday Dec 30; Jan 7 in the next.
        const weekly = await kpi({ name: 'purchase_lead_time', grain: 'week' });
        expect(weekly.map((r) => [r.period, r.value])).toEqual([
          ['2024-12-30', 3.791667],
          ['2025-01-06', 6.125],
        ]);
        expect(compact(await kpi({ name: 'purchase_lead_time_p90', grain: 'week' }))).toEqual([
          ['2024-12-30', 'acme', 4.458333, 2],
          ['2025-01-06', 'acme', 6.125, 1],
        ]);
        const cv = await kpi({ name: 'purchase_lead_time_cv', grain: 'week' });
        // σ of {3.125, 4.458333} is 0.666667, their mean 3.791667.
        expect(cv.map((r) => [r.period, r.numerator, r.denominator, r.value])).toEqual([
          ['2024-12-30', 0.666667, 3.791667, 0.175824],
          ['2025-01-06', 0, 6.125, 0],
        ]);
        expect(compact(await kpi({ name: 'emergency_purchase_ratio' }))).toEqual([['2025-01-01', 'acme', 1, 5]]);
      });
    }
  });
});
