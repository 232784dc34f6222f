import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { adjustment, compact, count, day, product, runScenario } from '../testing/kpi-scenario.js';

/**
 * Counts on Jan 10 of SKU-0042 (unit cost 2) at WH1/Stock:
 * K1 100 of 100 (exact), K2 98 of 100 (2 off, 2%), K3 0 of 5 (5 off), K4 first 50 of 40, corrected
 * (version 2) to 40 of 40. Adjustments the same day: −2, −5, and +10 corrected (version 2) to +4.
 */
function countScenario(): ErpEvent[] {
  return [
    product('SKU-0042', 2),
    count('K1', 100, 100, day('10')),
    count('K2', 98, 100, day('10'), { user: 'bob' }),
    count('K3', 0, 5, day('10')),
    count('K4', 50, 40, day('10')),
    count('K4', 40, 40, day('10'), { version: 2 }),
    adjustment(-2, day('10', '13:00:00.000'), 2),
    adjustment(-5, day('10', '13:00:00.000'), 2),
    adjustment(10, day('10', '13:00:00.000'), 2, 1, 'stock.move:adj'),
    adjustment(4, day('10', '13:00:00.000'), 2, 2, 'stock.move:adj'),
  ];
}

describe('inventory accuracy and adjustments', () => {
  it('count accuracy, deviation and adjustments as computed by hand, whatever the arrival order', async () => {
    for (const events of [countScenario(), countScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'inventory_accuracy' }))).toEqual([['2025-01-10', 'acme', 2, 4]]);
        expect(compact(await kpi({ name: 'inventory_accuracy', by: 'user' }))).toEqual([
          ['2025-01-10', 'anna', 2, 3],
          ['2025-01-10', 'bob', 0, 1],
        ]);
        expect(compact(await kpi({ name: 'count_deviation' }))).toEqual([['2025-01-10', 'acme', 7, 245]]);
        expect(compact(await kpi({ name: 'count_value_deviation' }))).toEqual([['2025-01-10', 'acme', 14, 490]]);
        expect(compact(await kpi({ name: 'adjustment_frequency' }))).toEqual([['2025-01-10', 'acme', 3, 4]]);
        expect(compact(await kpi({ name: 'adjustment_value' }))).toEqual([['2025-01-10', 'acme', 22, 3]]);
      });
    }
  });

  it('take the tolerance from the settings: units or percent of the system quantity', async () => {
    await runScenario(countScenario(), async (kpi) => expect(compact(await kpi({ name: 'inventory_accuracy' }))).toEqual([['2025-01-10', 'acme', 3, 4]]), {
      LEDGERLINE_COUNT_TOLERANCE_UNITS: 2,
    });
    await runScenario(countScenario(), async (kpi) => expect(compact(await kpi({ name: 'inventory_accuracy' }))).toEqual([['2025-01-10', 'acme', 3, 4]]), {
      LEDGERLINE_COUNT_TOLERANCE_PERCENT: 2,
    });
  });
});
