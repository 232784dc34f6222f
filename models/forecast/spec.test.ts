import { describe, expect, it } from 'vitest';
import { ForecastSpecError, checkSeries, parseForecastSpec } from './spec.js';

describe('forecast spec', () => {
  it('accepts a JSON round-tripped spec unchanged', () => {
    const spec = { kind: 'auto', horizon: 28, level: 0.95, params: { smooth: 'mstl', alpha: 0.2, seasonalProfile: false } };
    expect(parseForecastSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('names the bad field and what is allowed', () => {
    const bad = (x: unknown) => () => parseForecastSpec(x);
    expect(bad({ kind: 'arima', horizon: 7, level: 0.8 })).toThrow(/kind "arima" is not a forecast method; use one of auto, /);
    expect(bad({ kind: 'ets', horizon: 0, level: 0.8 })).toThrow(/horizon 0: must be a whole number of days/);
    expect(bad({ kind: 'ets', horizon: 7, level: 80 })).toThrow(/level 80: must be a coverage strictly between 0 and 1/);
    expect(bad({ kind: 'ets', horizon: 7, level: 0.8, extra: 1 })).toThrow(/unknown forecast spec field "extra"/);
    expect(bad({ kind: 'tsb', horizon: 7, level: 0.8, params: { alpha: 2 } })).toThrow(/params.alpha 2: must be a number in \(0, 1\]/);
    expect(bad({ kind: 'tsb', horizon: 7, level: 0.8, params: { beta: 1 } })).toThrow(/unknown forecast parameter "beta"/);
    expect(bad(null)).toThrow(ForecastSpecError);
  });

  it('checks series: distinct ids, finite values, at least one day', () => {
    expect(() => checkSeries([{ id: 'a', values: [1] }])).not.toThrow();
    expect(() => checkSeries([{ id: 'a', values: [1] }, { id: 'a', values: [2] }])).toThrow(/appears twice/);
    expect(() => checkSeries([{ id: 'a', values: [] }])).toThrow(/has no values/);
    expect(() => checkSeries([{ id: 'a', values: [1, Number.NaN] }])).toThrow(/value #1 is NaN, not a finite number/);
  });
});
