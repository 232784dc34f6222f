import { describe, expect, it } from 'vitest';
import { bias, coverage, mase, rmsse, smape } from './accuracy.js';

describe('forecast accuracy', () => {
  it('scales errors by seasonal-naive in-sample errors, as computed by hand', () => {
    // History 1, 2, 3, 4: naive errors 1, 1, 1 (season 1); 2, 2 (season 2).
    expect(mase([1, 2, 3, 4], [5, 6], [4, 8])).toBe(1.5);
    expect(mase([1, 2, 3, 4], [5, 6], [4, 8], 2)).toBe(0.75);
    expect(rmsse([1, 2, 3, 4], [5, 6], [4, 8])).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(mase([3, 3, 3], [3], [4])).toBe(Infinity); // a constant history has no scale
  });

  it('gives sMAPE, coverage and bias', () => {
    expect(smape([100, 0], [110, 0])).toBeCloseTo((100 * (20 / 210)) / 2, 12);
    expect(coverage([1, 5, 9], [0, 6, 8], [2, 7, 10])).toBeCloseTo(2 / 3, 12);
    expect(bias([1, 2], [2, 4])).toBe(1.5);
    expect(() => bias([1, 2], [1])).toThrow('2 actuals for 1 forecasts');
  });
});
