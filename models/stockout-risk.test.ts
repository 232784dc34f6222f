import { describe, expect, it } from 'vitest';
import { stockoutRisk, type CellSituation, type RiskOptions } from './stockout-risk.js';

const options: RiskOptions = {
  horizon: 7,
  samples: 2000,
  vendorDelays: new Map([['*', [0]]]),
  leadTimeDays: 5,
  reviewDays: 7,
  serviceLevel: 0.95,
  seed: 42,
};
const steady = new Array<number>(28).fill(10); // 10 units a day, in orders of 5
const base: CellSituation = { net: 0, quarantined: 0, inTransit: 0, inbound: [], recentOrderSizes: new Array<number>(20).fill(5) };

describe('stockout risk', () => {
  it('is certain when nothing is available and orders come every day, and nil with stock for months', () => {
    expect(stockoutRisk({ ...base, net: -5 }, steady, options).risk).toBe(1);
    const safe = stockoutRisk({ ...base, net: 5000 }, steady, options);
    expect(safe.risk).toBe(0);
    expect(safe.daysOfCover).toBe(500);
    expect(safe.expectedStockoutIn).toBeNull();
    expect(safe.suggestedOrderQty).toBe(0);
  });

  it('follows the arithmetic of cover: 30 units last about three days of 10 a day', () => {
    const r = stockoutRisk({ ...base, net: 30 }, steady, options);
    expect(r.risk).toBeGreaterThan(0.95);
    expect(r.daysOfCover).toBe(3);
    expect(r.expectedStockoutIn).toBeGreaterThanOrEqual(2);
    expect(r.expectedStockoutIn).toBeLessThanOrEqual(4);
  });

  it('counts inbound stock by when it arrives, and a late vendor as late', () => {
    const onTime = stockoutRisk({ ...base, net: 15, inbound: [{ qty: 200, dueIn: 1, vendor: 'V' }] }, steady, options);
    const tooLate = stockoutRisk({ ...base, net: 15, inbound: [{ qty: 200, dueIn: 9, vendor: 'V' }] }, steady, options);
    expect(onTime.risk).toBeLessThan(0.2);
    expect(tooLate.risk).toBeGreaterThan(0.9);
    // Same plan, but this vendor is always 10 days late.
    const late = stockoutRisk({ ...base, net: 15, inbound: [{ qty: 200, dueIn: 1, vendor: 'V' }] }, steady, { ...options, vendorDelays: new Map([['V', [10]], ['*', [0]]]) });
    expect(late.risk).toBeGreaterThan(0.9);
  });

  it('counts the replenishment the cell practises: a reorder with a short lead time keeps it stocked', () => {
    const situation = { ...base, net: 40 };
    const without = stockoutRisk(situation, steady, options);
    const withPolicy = stockoutRisk({ ...situation, reorder: { point: 35, upTo: 120, leadTimes: [1] } }, steady, options);
    expect(without.risk).toBeGreaterThan(0.9);
    expect(withPolicy.risk).toBeLessThan(0.1);
  });

  it('suggests enough to cover lead time and review at the service level, net of what is inbound', () => {
    const r = stockoutRisk({ ...base, net: 20, inbound: [{ qty: 30, dueIn: 2, vendor: 'V' }] }, steady, options);
    // 12 days of 10 a day is 120 on average; the 95% quantile is above it; 50 is there or coming.
    expect(r.suggestedOrderQty).toBeGreaterThanOrEqual(70);
    expect(r.suggestedOrderQty).toBeLessThan(120);
  });

  it('is repeatable for a seed and has no risk without demand', () => {
    const a = stockoutRisk({ ...base, net: 40 }, steady, options);
    expect(stockoutRisk({ ...base, net: 40 }, steady, options)).toEqual(a);
    const none = stockoutRisk({ ...base, net: 0, recentOrderSizes: [] }, new Array<number>(28).fill(0), options);
    expect(none.risk).toBe(0);
    expect(none.daysOfCover).toBe(Infinity);
  });
});
