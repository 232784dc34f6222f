import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from './backtest.js';
import { forecastSeries } from './forecast.js';
import { featureCount, LAGS, writeFeatures } from './global-features.js';
import { globalForecast, loadGlobalModel, saveGlobalModel, trainGlobalModel } from './global-model.js';
import { syntheticDemandSeries } from './synthetic-series.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('global model features', () => {
  it('scaled lags, rolling means, zero share, log scale and a one-hot day', () => {
    const values = Array.from({ length: 40 }, (_, t) => t);
    const out = new Float32Array(featureCount(7));
    writeFeatures(values, 30, 10, 3, 7, out, 0);
    expect([...out.slice(0, LAGS.length)]).toEqual([2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.3, 1.6, 0.2].map((x) => Math.fround(x)));
    expect(out[LAGS.length]).toBeCloseTo(2.6, 5); // mean of 23..29 ÷ 10
    expect(out[LAGS.length + 1]).toBeCloseTo(1.55, 5); // mean of 2..29 ÷ 10
    expect(out[LAGS.length + 2]).toBe(0);
    expect(out[LAGS.length + 3]).toBeCloseTo(1 / 3, 6);
    expect([...out.slice(LAGS.length + 4)]).toEqual([0, 0, 0, 1, 0, 0, 0]);
    // Days before the series began count as 0.
    writeFeatures(values, 3, 1, 0, 7, out, 0);
    expect(out[LAGS.length - 1]).toBe(0);
  });
});

describe('global-tfjs', () => {
  const series = syntheticDemandSeries(300, 200, 4);

  it('trains, saves as model.json + weights.bin, and loads back to the same forecasts', async () => {
    const model = await trainGlobalModel(series, { horizon: 14, epochs: 3, seed: 2 });
    expect(model.meta.trained.rows).toBeGreaterThan(10_000);
    expect(Number.isFinite(model.meta.trained.loss)).toBe(true);
    const before = await globalForecast(model, series, 14, 0.8);
    const dir = await mkdtemp(join(tmpdir(), 'ledgerline-global-'));
    dirs.push(dir);
    await saveGlobalModel(model, dir);
    model.net.dispose();
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadGlobalModel(dir);
    expect(loaded.meta.quantiles.all).toHaveLength(14);
    expect(await globalForecast(loaded, series, 14, 0.8)).toEqual(before);
    for (const f of before) f.mean.forEach((m, h) => expect(f.lower[h]! >= 0 && f.lower[h]! <= m && m <= f.upper[h]!).toBe(true));
    // forecastSeries uses a saved model through the spec.
    const viaSpec = await forecastSeries(series.slice(0, 5), { kind: 'global-tfjs', horizon: 14, level: 0.8, params: { modelDir: dir } });
    expect(viaSpec).toEqual(before.slice(0, 5));
    loaded.net.dispose();
    await expect(loadGlobalModel(join(dir, 'nothing-here'))).rejects.toThrow(/cannot load a model from .*nothing-here/);
  }, 60_000);

  it('beats seasonal-naive in a rolling-origin backtest, with calibrated intervals', async () => {
    const report = await backtest(series, { kind: 'global-tfjs', horizon: 14, level: 0.8, params: { epochs: 4 } }, { origins: 2 });
    const [global, naive] = report.entries;
    console.log(report.entries.map((e) => `${e.name}: MASE ${e.overall.mase.toFixed(3)} coverage ${e.overall.coverage.toFixed(3)}`).join('\n'));
    expect(global!.overall.mase).toBeLessThan(naive!.overall.mase);
    expect(global!.overall.coverage).toBeGreaterThan(0.7);
    expect(global!.overall.coverage).toBeLessThan(0.9);
  }, 60_000);

  it('global-linear (ml-regression on the same features) also beats seasonal-naive, intervals calibrated the same way', async () => {
    const report = await backtest(series, { kind: 'global-linear', horizon: 14, level: 0.8 }, { origins: 2 });
    const [linear, naive] = report.entries;
    console.log(report.entries.map((e) => `${e.name}: MASE ${e.overall.mase.toFixed(3)} coverage ${e.overall.coverage.toFixed(3)}`).join('\n'));
    expect(linear!.methods).toEqual({ 'global-linear': report.series * 2 });
    expect(linear!.overall.mase).toBeLessThan(naive!.overall.mase);
    expect(linear!.overall.coverage).toBeGreaterThan(0.7);
    expect(linear!.overall.coverage).toBeLessThan(0.9);
  }, 60_000);

  it('refuses series too short to learn from', async () => {
    for (const kind of ['global-tfjs', 'global-linear'] as const) await expect(forecastSeries([{ id: 'a', values: [1, 2, 3, 4, 5, 6, 7, 8] }], { kind, horizon: 7, level: 0.8 })).rejects.toThrow(/needs series longer than 35 days/);
  });
});
