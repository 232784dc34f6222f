import { describe, expect, it } from 'vitest';
import { demandPattern } from './demand-pattern.js';

describe('demand pattern', () => {
  it('classifies by ADI and CV² as computed by hand', () => {
    expect(demandPattern([0, 0, 0])).toEqual({ pattern: 'no demand', adi: Infinity, cv2: 0 });
    expect(demandPattern([5, 5, 5, 5])).toEqual({ pattern: 'smooth', adi: 1, cv2: 0 });
    // Sizes 1, 9, 1, 9: mean 5, variance 16, CV² 0.64.
    expect(demandPattern([1, 9, 1, 9])).toEqual({ pattern: 'erratic', adi: 1, cv2: 0.64 });
    expect(demandPattern([0, 4, 0, 4, 0, 4])).toEqual({ pattern: 'intermittent', adi: 2, cv2: 0 });
    expect(demandPattern([0, 1, 0, 9])).toEqual({ pattern: 'lumpy', adi: 2, cv2: 0.64 });
    // Returns (negative) are not demand.
    expect(demandPattern([-3, 4, -1, 4]).pattern).toBe('intermittent');
  });
});
