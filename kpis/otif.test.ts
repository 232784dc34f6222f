import { describe, expect, it } from 'vitest';
import { compact, day, delivery, runScenario, salesLine, salesScenario } from '../testing/kpi-scenario.js';

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

  it('counts an order in the period of its latest committed day, with all its lines, when a range is asked for', async () => {
    // Order O7: H committed the 10th and delivered late (the 11th), I committed the 12th and delivered on time.
    const events = [
      salesLine('H', 'O7', 4, day('10')),
      salesLine('I', 'O7', 4, day('12')),
      delivery('H', 4, day('11')),
      delivery('I', 4, day('12')),
      salesLine('S', 'stream time', 1, day('20')),
    ];
    await runScenario(events, async (kpi) => {
      expect(compact(await kpi({ name: 'otif_order' }))).toEqual([['2025-01-12', 'acme', 0, 1]]);
      // A line of the order in range is not enough; the latest committed day must be.
      expect(await kpi({ name: 'otif_order', from: day('10'), to: day('11', '00:00:00.000') })).toEqual([]);
      // Every line of the order counts, also the one committed before the range; a time of day picks its whole day.
      expect(compact(await kpi({ name: 'otif_order', from: day('12', '23:00:00.000'), to: day('12', '23:30:00.000') }))).toEqual([['2025-01-12', 'acme', 0, 1]]);
      expect(await kpi({ name: 'otif_order', from: day('12', '23:00:00.000'), to: day('12', '23:00:00.000') })).toEqual([]); // empty range
    });
  });
});
