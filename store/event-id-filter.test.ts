import { describe, expect, it } from 'vitest';
import { EventIdFilter } from './event-id-filter.js';

describe('EventIdFilter', () => {
  it('never misses an added id, and all but never claims an id it was not given', () => {
    const filter = new EventIdFilter(100_000);
    for (let i = 0; i < 100_000; i++) filter.add(`odoo/stock_move/stock.move:${i}@1`);
    for (let i = 0; i < 100_000; i++) expect(filter.mightContain(`odoo/stock_move/stock.move:${i}@1`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightContain(`odoo/stock_move/stock.move:${i}@2`)) falsePositives++;
    expect(falsePositives).toBe(0);
  });

  it('grows past its capacity without losing ids', () => {
    const filter = new EventIdFilter(10_000);
    for (let i = 0; i < 150_000; i++) filter.add(`id-${i}`);
    for (let i = 0; i < 150_000; i++) expect(filter.mightContain(`id-${i}`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightContain(`other-${i}`)) falsePositives++;
    expect(falsePositives).toBe(0);
  });
});
