import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { ModelRegistry } from '../models/registry.js';
import { runInputs, tempDir, testConfig } from '../testing/harness.js';
import { FORECAST_MODEL } from './scoring-job.js';
import { scheduleScoring } from './scoring-schedule.js';

describe('scheduled scoring', () => {
  it('uses a newly promoted model from its next run, without a restart', async () => {
    const dir = tempDir('scoring-schedule');
    await writeDataset({ seed: 4, days: 40, skus: 5, warehouses: 2, out: dir });
    const config = testConfig();
    const store = await openStore(config, join(dir, 'data'));
    try {
      await runInputs(store, config, [join(dir, 'events.jsonl')]);
      const lines: string[] = [];
      const waitFor = async (pattern: RegExp) => {
        const deadline = Date.now() + 30_000;
        while (!lines.some((l) => pattern.test(l))) {
          if (Date.now() > deadline) throw new Error(`no scoring report matching ${pattern}; got ${lines.join(' | ')}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const schedule = scheduleScoring(store, 300, { report: (l) => lines.push(l) });
      try {
        await waitFor(/model v0/);
        const registry = new ModelRegistry(store);
        const v = await registry.register({ kind: FORECAST_MODEL, spec: { kind: 'sba', horizon: 14, level: 0.9 }, train_from: null, train_to: null, series: 0, metrics: null, note: '' }, 'test');
        await registry.promote(FORECAST_MODEL, v.version, 'test');
        await waitFor(/model v1/);
      } finally {
        await schedule.stop();
      }
      const methods = await store.query<{ method: string; n: number }>('SELECT method, count() AS n FROM demand_forecasts FINAL WHERE model_version = 1 GROUP BY method');
      expect(methods.map((m) => m.method).filter((m) => m !== 'zero')).toEqual(['sba']);
      const [{ days } = { days: 0 }] = await store.query<{ days: number }>('SELECT max(day) - min(day) + 1 AS days FROM demand_forecasts FINAL WHERE model_version = 1');
      expect(Number(days)).toBe(14);
    } finally {
      await store.close();
    }
  }, 60_000);
});
