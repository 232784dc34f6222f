import { describe, expect, it } from 'vitest';
import { compact, runScenario, salesScenario } from '../testing/kpi-scenario.js';

/**
 * The OTIF scenario at stream day Jan 20: due are A, B, C (Jan 10) and G (Jan 12); open are C (5
 * ordered, 3 left after the return) and G (6 of 7 after the correction); both 8–30 days overdue.
 */
describe('backorders', () => {
  it('count open lines, quantity and age as computed by hand, whatever the arrival order', async () => {
    for (const events of [salesScenario(), salesScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'backorder_lines' }))).toEqual([
          ['2025-01-10', 'acme', 1, 3],
          ['2025-01-12', 'acme', 1, 1],
        ]);
        expect(compact(await kpi({ name: 'backorder_qty' }))).toEqual([
          ['2025-01-10', 'acme', 2, 25],
          ['2025-01-12', 'acme', 1, 7],
        ]);
        expect(compact(await kpi({ name: 'backorder_lines', by: 'age', grain: 'week' }))).toEqual([['2025-01-06', '8-30 days', 2, 4]]);
      });
    }
  });
});
