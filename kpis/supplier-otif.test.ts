import { describe, expect, it } from 'vitest';
import type { ErpEvent } from '../events/schema.js';
import { compact, day, purchaseLine, receipt, runScenario, salesLine } from '../testing/kpi-scenario.js';

/**
 * Purchase lines planned for Jan 5, stream time Jan 20:
 * P1 100: 60 received the evening of the 5th, 40 on the 7th        → 60 of 100 on time, line late
 * P2 50: rescheduled (v2) to the 8th, received 50 on the 7th          → 50 of 50, counted on the 8th
 * P3 cancelled                                                        → not counted
 * P4 30: 35 received on the 4th (over-receipt)                        → 30 of 30 (capped)
 * P5 10: planned the 25th, open                                       → not judged yet
 * and a receipt for a line never seen (data-quality exception, not counted).
 */
function purchaseScenario(): ErpEvent[] {
  return [
    purchaseLine('P1', 100, day('05')),
    purchaseLine('P2', 50, day('05')),
    purchaseLine('P2', 50, day('08'), { version: 2, occurred_at: day('03') }),
    purchaseLine('P3', 20, day('05'), { state: 'cancelled' }),
    purchaseLine('P4', 30, day('05')),
    purchaseLine('P5', 10, day('25')),
    receipt('P1', 60, day('05', '20:00:00.000')),
    receipt('P1', 40, day('07')),
    receipt('P2', 50, day('07')),
    receipt('P4', 35, day('04')),
    receipt('NEVER-SEEN', 5, day('06')),
    // Stream time: the latest event time seen.
    salesLine('S', 'O', 1, null, { ordered_at: day('20'), occurred_at: day('20') }),
  ];
}

describe('supplier OTIF', () => {
  it('weighs by quantity like Odoo, and per line, as computed by hand, whatever the arrival order', async () => {
    for (const events of [purchaseScenario(), purchaseScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'supplier_otif' }))).toEqual([
          ['2025-01-05', 'acme', 90, 130],
          ['2025-01-08', 'acme', 50, 50],
        ]);
        // Jan 5, 2025 is a Sunday: its week starts Monday Dec 30.
        expect(compact(await kpi({ name: 'supplier_otif_line', by: 'vendor', grain: 'week' }))).toEqual([
          ['2024-12-30', 'V-007', 1, 2],
          ['2025-01-06', 'V-007', 1, 1],
        ]);
        expect(compact(await kpi({ name: 'supplier_otif_line', by: 'vendor' }))).toEqual([
          ['2025-01-05', 'V-007', 1, 2],
          ['2025-01-08', 'V-007', 1, 1],
        ]);
      });
    }
  });
});
