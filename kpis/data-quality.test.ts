import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { compact, customerReturn, day, delivery, purchaseLine, receipt, runScenario, salesLine } from '../testing/kpi-scenario.js';

/** One line per reason, plus clean ones; all ordered or first moved on Jan 2 (lines) / Jan 1 (POs). */
function badCombinations(): ErpEvent[] {
  return [
    salesLine('ok', 'O1', 5, day('10')),
    delivery('ok', 5, day('09')),
    delivery('ghost', 3, day('02')), // no such sales line
    salesLine('early', 'O2', 5, day('10')),
    delivery('early', 5, day('01')), // before the order (Jan 2)
    salesLine('overreturned', 'O3', 5, day('10')),
    delivery('overreturned', 2, day('05')),
    customerReturn('overreturned', 3, day('06')),
    salesLine('cancelled', 'O4', 5, day('10'), { state: 'cancelled' }),
    delivery('cancelled', 1, day('05')),
    purchaseLine('P-ok', 10, day('05')),
    receipt('P-ok', 10, day('05')),
    receipt('P-ghost', 4, day('01')), // no such purchase line
  ];
}

describe('data-quality exceptions', () => {
  it('counts each bad combination under its reason instead of dropping it, whatever the arrival order', async () => {
    for (const events of [badCombinations(), badCombinations().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'data_quality', by: 'reason', grain: 'week' }))).toEqual([
          ['2024-12-30', 'delivery before the order was placed', 1, 1],
          ['2024-12-30', 'delivery for an unknown sales order line', 1, 1],
          ['2024-12-30', 'delivery on a cancelled line', 1, 1],
          ['2024-12-30', 'more returned than delivered', 1, 1],
          ['2024-12-30', 'ok', 0, 2],
          ['2024-12-30', 'receipt for an unknown purchase order line', 1, 1],
        ]);
        expect(compact(await kpi({ name: 'data_quality', by: 'side', grain: 'week' }))).toEqual([
          ['2024-12-30', 'purchase', 1, 2],
          ['2024-12-30', 'sales', 4, 5],
        ]);
      });
    }
  });
});
