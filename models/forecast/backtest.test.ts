import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDataset } from '../../ingest/generator/write-dataset.js';
import { backtest, type BacktestReport } from './backtest.js';
import { salesTruthSeries } from './generator-series.js';

const DAYS = 182;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function table(report: BacktestReport): string {
  const lines = [`${report.series} series, ${report.origins} origins ${report.step} days apart, horizon ${report.horizon}, level ${report.level}`];
  for (const e of report.entries) {
    const o = e.overall;
    lines.push(`  ${e.name.padEnd(15)} MASE ${o.mase.toFixed(3)}  RMSSE ${o.rmsse.toFixed(3)}  sMAPE ${o.smape.toFixed(1)}  coverage ${o.coverage.toFixed(3)}  bias ${o.bias.toFixed(3)}  ${JSON.stringify(e.methods)}`);
    for (const [pattern, s] of Object.entries(e.byPattern)) lines.push(`      ${pattern.padEnd(13)} n=${String(s!.forecasts).padEnd(4)} MASE ${s!.mase.toFixed(3)}  RMSSE ${s!.rmsse.toFixed(3)}  coverage ${s!.coverage.toFixed(3)}`);
  }
  return lines.join('\n');
}

describe('rolling-origin backtest on generated demand', () => {
  it.each([1, 2, 3])('seed %i: auto, and the global net, beat seasonal-naive on MASE', async (seed) => {
    const out = await mkdtemp(join(tmpdir(), `ledgerline-forecast-${seed}-`));
    dirs.push(out);
    await writeDataset({ seed, days: DAYS, skus: 30, warehouses: 3, out });
    const series = await salesTruthSeries(out, '2025-01-01', DAYS);
    expect(series.length).toBeGreaterThan(30);

    const report = await backtest(series, { kind: 'auto', horizon: 14, level: 0.8 }, { origins: 4, step: 7 });
    console.log(`seed ${seed}: ${table(report)}`);

    const [auto, naive, ets] = report.entries;
    expect([auto!.name, naive!.name, ets!.name]).toEqual(['auto', 'seasonal-naive', 'ets']);
    // Every contender was scored on the same cuts.
    expect(naive!.overall.forecasts).toBe(auto!.overall.forecasts);
    expect(auto!.overall.forecasts).toBe(series.length * 4);
    expect(auto!.overall.mase).toBeLessThan(naive!.overall.mase);
    expect(auto!.overall.rmsse).toBeLessThan(naive!.overall.rmsse);
    // 80% intervals: slow movers' zero days sit inside [0, …], so coverage runs above the level, not far below it.
    expect(auto!.overall.coverage).toBeGreaterThan(0.7);
    expect(Math.abs(auto!.overall.bias)).toBeLessThan(0.3);

    // The global net on the same cuts (it trains once per origin on 90 slow movers: a small sample for it).
    const global = await backtest(series, { kind: 'global-tfjs', horizon: 14, level: 0.8 }, { origins: 4, step: 7, baselines: false });
    const g = global.entries[0]!.overall;
    console.log(`seed ${seed}: global-tfjs MASE ${g.mase.toFixed(3)}  RMSSE ${g.rmsse.toFixed(3)}  coverage ${g.coverage.toFixed(3)}  bias ${g.bias.toFixed(3)}`);
    expect(g.forecasts).toBe(auto!.overall.forecasts);
    expect(g.mase).toBeLessThan(naive!.overall.mase);
  }, 60_000);
});
