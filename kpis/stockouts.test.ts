import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../events/examples.js';
import type { ErpEvent } from '../events/schema.js';
import { adjustment, compact, day, quarantined, reservation, runScenario, salesLine } from '../testing/kpi-scenario.js';

/**
 * SKU-0042 at WH1: 5 units into WH1/Stock and 10 into WH1/Quality (quarantine: not available) on Jan
 * 2 08:00; 5 reserved at 09:30, released Jan 4 10:00. Lines: S1 (5) Jan 2 09:00 with 5 available;
 * S2 (3) Jan 2 10:00 with 0; S3 (2) Jan 3 with 0; S4 (1) Jan 4 11:00 with 5 again. S5 (4) Jan 5 for
 * SKU-0099, never stocked.
 */
function stockoutScenario(): ErpEvent[] {
  const at = (d: string, time: string) => day(d, time);
  return [
    EXAMPLES.location,
    adjustment(5, at('02', '08:00:00.000'), 1),
    quarantined(10, at('02', '08:00:00.000')),
    reservation('R1', 5, at('02', '09:30:00.000')),
    reservation('R1', 0, at('04', '10:00:00.000'), 2),
    salesLine('S1', 'O1', 5, null, { ordered_at: at('02', '09:00:00.000') }),
    salesLine('S2', 'O2', 3, null, { ordered_at: at('02', '10:00:00.000') }),
    salesLine('S3', 'O3', 2, null, { ordered_at: at('03', '10:00:00.000') }),
    salesLine('S4', 'O4', 1, null, { ordered_at: at('04', '11:00:00.000') }),
    salesLine('S5', 'O5', 4, null, { ordered_at: at('05', '10:00:00.000'), sku: 'SKU-0099' }),
  ];
}

describe('stockouts', () => {
  it('count SKU-warehouse-days and quantity ordered while nothing was available, as computed by hand, whatever the arrival order', async () => {
    for (const events of [stockoutScenario(), stockoutScenario().reverse()]) {
      await runScenario(events, async (kpi) => {
        expect(compact(await kpi({ name: 'stockout_rate' }))).toEqual([
          ['2025-01-02', 'acme', 1, 1],
          ['2025-01-03', 'acme', 1, 1],
          ['2025-01-04', 'acme', 0, 1],
          ['2025-01-05', 'acme', 1, 1],
        ]);
        expect(compact(await kpi({ name: 'stockout_rate', by: 'sku', grain: 'week' }))).toEqual([
          ['2024-12-30', 'SKU-0042', 2, 3],
          ['2024-12-30', 'SKU-0099', 1, 1],
        ]);
        expect(compact(await kpi({ name: 'stockout_qty', grain: 'week' }))).toEqual([['2024-12-30', 'acme', 9, 15]]);
      });
    }
  });

  it('see stock that is exactly gone as gone, also when fractional quantities add up to 0 (0.1 + 0.2 − 0.3 is not 0 in floats)', async () => {
    const at = (time: string) => day('02', time);
    const events = [EXAMPLES.location, adjustment(0.1, at('08:00:00.000'), 1), adjustment(0.2, at('08:00:00.001'), 1), adjustment(-0.3, at('08:00:00.002'), 1), salesLine('S1', 'O1', 1, null, { ordered_at: at('09:00:00.000') })];
    await runScenario(events, async (kpi) => {
      expect(compact(await kpi({ name: 'stockout_rate' }))).toEqual([['2025-01-02', 'acme', 1, 1]]);
    });
  });
});
