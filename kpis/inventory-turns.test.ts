import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { adjustment, day, delivery, product, runScenario, salesLine } from '../testing/kpi-scenario.js';

/**
 * SKU-0042 at WH1, unit cost 0.12: 10 in on Jan 2; S1 (4) ordered and shipped Jan 3; S2 (2)
 * ordered Jan 4, the last event day. End-of-day on hand 10, 6, 6 (value 1.2, 0.72, 0.72); cost of
 * goods shipped 0.48 on Jan 3; demand 4 on Jan 3 and 2 on Jan 4.
 */
function turnsScenario(): ErpEvent[] {
  return [
    product('SKU-0042', 0.12),
    adjustment(10, day('02', '08:00:00.000'), 0.12),
    salesLine('S1', 'O1', 4, day('05'), { ordered_at: day('03'), occurred_at: day('03') }),
    delivery('S1', 4, day('03', '15:00:00.000')),
    salesLine('S2', 'O2', 2, day('06'), { ordered_at: day('04'), occurred_at: day('04') }),
  ];
}

const rows = (r: Array<{ period: string; numerator: number; denominator: number; value: number | null }>) => r.map((x) => [x.period, x.numerator, x.denominator, x.value]);

describe('inventory turns and days of cover', () => {
  it('annualize the cost of goods shipped over the average inventory value, and divide average on hand by average demand, as computed by hand', async () => {
    for (const events of [turnsScenario(), turnsScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(rows(await kpi({ name: 'inventory_turns' }))).toEqual([
          ['2025-01-02', 0, 1.2, 0],
          ['2025-01-03', 175.2, 0.72, 243.333333],
          ['2025-01-04', 0, 0.72, 0],
        ]);
        expect(rows(await kpi({ name: 'inventory_turns', grain: 'week' }))).toEqual([['2024-12-30', 58.4, 0.88, 66.363636]]);
        expect(rows(await kpi({ name: 'days_of_cover' }))).toEqual([
          ['2025-01-02', 10, 0, null],
          ['2025-01-03', 6, 4, 1.5],
          ['2025-01-04', 6, 2, 3],
        ]);
        expect(rows(await kpi({ name: 'days_of_cover', grain: 'week' }))).toEqual([['2024-12-30', 7.333333, 2, 3.666667]]);
      });
    }
  });
});
