import { describe, expect, it } from 'vitest';
import { compact, day, runScenario, salesScenario } from '../testing/kpi-scenario.js';

/** The scenario and the hand computation: see `salesScenario`. */
describe('customer OTIF', () => {
  it('counts lines and orders as computed by hand, whatever the arrival order', async () => {
    for (const events of [salesScenario(), salesScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'otif_line' }))).toEqual([
          ['2025-01-10', 'acme', 1, 3],
          ['2025-01-12', 'acme', 0, 1],
        ]);
        expect(compact(await kpi({ name: 'otif_order' }))).toEqual([
          ['2025-01-10', 'acme', 0, 2],
          ['2025-01-12', 'acme', 0, 1],
        ]);
        expect(compact(await kpi({ name: 'otif_line', grain: 'week', by: 'customer' }))).toEqual([['2025-01-06', 'C-104', 1, 4]]);
        expect(compact(await kpi({ name: 'otif_line', from: day('11', '00:00:00.000'), to: day('31', '00:00:00.000') }))).toEqual([['2025-01-12', 'acme', 0, 1]]);
      });
    }
  });
});
