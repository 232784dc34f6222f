import { describe, expect, it } from 'vitest';
import { croston, sba, tsb } from './intermittent.js';

describe('intermittent demand forecasts', () => {
  it('Croston and SBA smooth size and interval at demands only, as computed by hand', () => {
    // First demand 3 after 3 periods; then 5 after 2: size 3 → 4, interval 3 → 2.5 (α 0.5).
    expect(croston([0, 0, 3, 0, 5], 0.5)).toEqual({ rate: 1.6, size: 4, interval: 2.5 });
    expect(sba([0, 0, 3, 0, 5], 0.5).rate).toBeCloseTo(1.2, 12);
    expect(croston([0, 0, 0])).toEqual({ rate: 0, size: 0, interval: Infinity });
  });

  it('TSB smooths the probability every period, so a dead item decays toward 0', () => {
    // p: 1/3 at the first demand, 1/6, then 7/12 at the next; size 3 → 4.
    const f = tsb([0, 0, 3, 0, 5], 0.5, 0.5);
    expect(f.rate).toBeCloseTo(7 / 3, 12);
    expect(f.size).toBe(4);
    // One demand, then four empty periods: p 1 → 1/16.
    expect(tsb([5, 0, 0, 0, 0], 0.5, 0.5).rate).toBe(0.3125);
    expect(croston([5, 0, 0, 0, 0], 0.5).rate).toBe(5); // Croston does not notice
    expect(tsb([]).rate).toBe(0);
  });
});
