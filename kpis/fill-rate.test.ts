import { describe, expect, it } from 'vitest';
import { compact, runScenario, salesScenario } from '../testing/kpi-scenario.js';

/**
 * The OTIF scenario at first shipment: A 10 of 10 (Jan 10), B 6 of 10 (Jan 9), C 5 of 5 (Jan 8),
 * G 6 of 7 (Jan 12, the corrected move); D cancelled, E and F not shipped.
 * Orders: O1 first ships Jan 9 with B short → not filled; O2 filled (Jan 8); O3 not (Jan 12).
 */
describe('fill rates at first shipment', () => {
  it('count lines, units and orders as computed by hand, whatever the arrival order', async () => {
    for (const events of [salesScenario(), salesScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'fill_rate_line' }))).toEqual([
          ['2025-01-08', 'acme', 1, 1],
          ['2025-01-09', 'acme', 0, 1],
          ['2025-01-10', 'acme', 1, 1],
          ['2025-01-12', 'acme', 0, 1],
        ]);
        expect(compact(await kpi({ name: 'fill_rate_unit', grain: 'week' }))).toEqual([['2025-01-06', 'acme', 27, 32]]);
        expect(compact(await kpi({ name: 'fill_rate_order' }))).toEqual([
          ['2025-01-08', 'acme', 1, 1],
          ['2025-01-09', 'acme', 0, 1],
          ['2025-01-12', 'acme', 0, 1],
        ]);
      });
    }
  });
});
