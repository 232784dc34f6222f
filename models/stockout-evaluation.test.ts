import { describe, expect, it } from 'vitest';
import { evaluateRisk, type RiskScore } from './stockout-evaluation.js';

/** Cell A: risk rises before a stockout on day 10; cell B: a false alarm on days 3–4. */
function scores(): RiskScore[] {
  const out: RiskScore[] = [];
  for (let day = 0; day < 20; day++) {
    out.push({ cell: 'A', day, risk: day >= 6 && day <= 10 ? 0.8 : 0.05 });
    out.push({ cell: 'B', day, risk: day === 3 || day === 4 ? 0.7 : day === 5 ? 0.3 : 0.05 });
  }
  return out;
}

describe('stockout risk evaluation', () => {
  it('judges alerts with hysteresis and stockout days by their warning window', () => {
    const e = evaluateRisk(scores(), new Set(['A@10', 'A@11']), 0.5, 7);
    // B stays open on day 5 (0.3 ≥ 0.25) and closes on day 6: one alert, wrong.
    expect(e.alerts).toEqual({ alerts: 2, precision: 0.5, stockoutDays: 2, recall: 1 });
    // Scored days whose next 7 days hold a stockout: A 4…11 (8 days); alerts on A 6…10 are right.
    expect(e.positives).toBe(8);
    expect(e.daily.precision).toBeCloseTo(5 / 7);
    expect(e.daily.recall).toBeCloseTo(5 / 8);
    expect(e.brier).toBeLessThan(e.brierClimatology);
    expect(e.reliability.reduce((a, b) => a + b.n, 0)).toBe(40);
  });

  it('leaves out stockout days whose warning window was not scored', () => {
    expect(evaluateRisk(scores(), new Set(['A@2']), 0.5, 7).alerts.stockoutDays).toBe(0);
    expect(evaluateRisk(scores(), new Set(['C@10']), 0.5, 7).alerts.stockoutDays).toBe(0);
  });
});
