import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { billLine, compact, day, purchaseLine, receipt, runScenario } from '../testing/kpi-scenario.js';

/**
 * Purchase lines at 0.11 a unit: P1 10 received 10, P2 10 received 4, P3 5 received 5, P4 3
 * received 3. Bills on Jan 10: B1 P1 10 and B4 P1 2 (12 billed for 10 ordered: both over ordered),
 * B2 P2 10 (over received), B3 P3 5 at 0.15 (price), B5 without purchase line, B6 for a line never
 * seen (both no purchase line), B7 P4 3 (ok).
 */
function billScenario(): ErpEvent[] {
  return [
    ...['P1', 'P2', 'P3', 'P4'].map((id, i) => purchaseLine(id, [10, 10, 5, 3][i]!, day('05'))),
    receipt('P1', 10, day('04')),
    receipt('P2', 4, day('04')),
    receipt('P3', 5, day('04')),
    receipt('P4', 3, day('04')),
    billLine('B1', 'P1', 10, 0.11, day('10')),
    billLine('B2', 'P2', 10, 0.11, day('10')),
    billLine('B3', 'P3', 5, 0.15, day('10')),
    billLine('B4', 'P1', 2, 0.11, day('10')),
    billLine('B5', null, 1, 0.11, day('10')),
    billLine('B6', 'P-ghost', 1, 0.11, day('10')),
    billLine('B7', 'P4', 3, 0.11, day('10')),
  ];
}

describe('three-way match', () => {
  it('finds each kind of bill exception as computed by hand, whatever the arrival order', async () => {
    for (const events of [billScenario(), billScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'three_way_match_exceptions' }))).toEqual([['2025-01-10', 'acme', 6, 7]]);
        expect(compact(await kpi({ name: 'three_way_match_exceptions', by: 'kind' }))).toEqual([
          ['2025-01-10', 'no purchase line', 2, 2],
          ['2025-01-10', 'ok', 0, 1],
          ['2025-01-10', 'price', 1, 1],
          ['2025-01-10', 'quantity over ordered', 2, 2],
          ['2025-01-10', 'quantity over received', 1, 1],
        ]);
        const bills = (await kpi({ name: 'data_quality', by: 'reason' })).filter((r) => r.period === '2025-01-10');
        expect(bills.map((r) => [r.dimension, r.numerator, r.denominator])).toEqual([
          ['bill for an unknown purchase line', 2, 2],
          ['bill for more than received', 1, 1],
          ['ok', 0, 4],
        ]);
      });
    }
  });

  it('takes the price tolerance from the settings', async () => {
    await runScenario(
      billScenario(),
      async (kpi) => expect(compact(await kpi({ name: 'three_way_match_exceptions' }))).toEqual([['2025-01-10', 'acme', 5, 7]]),
      { LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT: 50 },
    );
  });
});
