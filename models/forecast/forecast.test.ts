import { describe, expect, it } from 'vitest';
import { forecastSeries } from './forecast.js';
import type { ForecastSpec } from './spec.js';
import { syntheticDemandSeries } from './synthetic-series.js';

describe('forecastSeries', () => {
  const series = syntheticDemandSeries(240, 120, 3);
  const spec: ForecastSpec = { kind: 'auto', horizon: 14, level: 0.9 };

  it('gives the same forecasts on worker threads as in this thread, in input order, with progress', async () => {
    const inThread = await forecastSeries(series, spec, { workers: 1 });
    const progress: number[] = [];
    const inWorkers = await forecastSeries(series, spec, { workers: 2, minSeriesForWorkers: 1, onProgress: (done, total) => {
      expect(total).toBe(series.length);
      progress.push(done);
    } });
    expect(inWorkers).toEqual(inThread);
    expect(inWorkers.map((f) => f.id)).toEqual(series.map((s) => s.id));
    expect(progress.at(-1)).toBe(series.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // A realistic mix: auto used more than one method.
    expect(new Set(inThread.map((f) => f.method)).size).toBeGreaterThan(1);
    for (const f of inThread) {
      expect(f.mean).toHaveLength(14);
      f.mean.forEach((m, h) => expect(f.lower[h]! <= m && m <= f.upper[h]! && f.lower[h]! >= 0).toBe(true));
    }
  }, 60_000);

  it('rejects a bad spec or series before any work', async () => {
    await expect(forecastSeries(series, { ...spec, level: 1.5 })).rejects.toThrow(/level 1.5/);
    await expect(forecastSeries([{ id: 'x', values: [1, Number.POSITIVE_INFINITY] }], spec)).rejects.toThrow(/not a finite number/);
    expect(await forecastSeries([], spec)).toEqual([]);
  });
});
