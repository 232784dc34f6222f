import { describe, expect, it } from 'vitest';
import { averagePrecision } from './average-precision.js';

describe('averagePrecision', () => {
  it('is 1 for a perfect ranking, lower when a negative outranks a positive, and counts unscored positives as misses', () => {
    const p = new Set(['a', 'b']);
    expect(averagePrecision([{ id: 'a', score: 0.9 }, { id: 'b', score: 0.8 }, { id: 'c', score: 0.1 }], p)).toBe(1);
    expect(averagePrecision([{ id: 'c', score: 0.9 }, { id: 'a', score: 0.8 }, { id: 'b', score: 0.1 }], p)).toBeCloseTo((1 / 2 + 2 / 3) / 2);
    expect(averagePrecision([{ id: 'a', score: 0.5 }, { id: 'c', score: 0.5 }], p)).toBeCloseTo(1 / 2 / 2);
  });
});
