import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpiSettings } from '../kpis/kpi.js';
import { queryKpi } from '../store/kpi-query.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { openStore } from '../cli/open-store.js';
import { ROOT, runInputs, tempDir, testConfig } from '../testing/harness.js';
import { DASHBOARD_KPIS, dashboardKpiSql, streamDay } from './dashboards-kpi-sql.js';

describe('the dashboards KPI source query', () => {
  const dir = tempDir('dashboards-kpi');
  let store: ChdbStore;
  beforeAll(async () => {
    store = await openStore(testConfig(), join(dir, 'data'));
    await runInputs(store, testConfig(), [join(ROOT, 'fixtures/demo/events.jsonl')]);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives, for every KPI and dimension it shows, the rows of the KPI API by week', async () => {
    const settings = kpiSettings(testConfig());
    const rows = await store.query<{ kpi: string; dim: string; period: string; dimension: string; numerator: number; denominator: number; value: number | null }>(
      `SELECT kpi, dim, toString(period) AS period, dimension, numerator, denominator, value FROM (${dashboardKpiSql(await streamDay(store), settings)}) ORDER BY kpi, dim, period, dimension`,
    );
    let compared = 0;
    for (const [name, dims] of Object.entries(DASHBOARD_KPIS)) {
      for (const by of dims) {
        const expected = await queryKpi(store, { name, by, grain: 'week' }, settings);
        const got = rows.filter((r) => r.kpi === name && r.dim === by).map(({ period, dimension, numerator, denominator, value }) => ({ period, dimension, numerator, denominator, value }));
        expect(got, `${name} by ${by}`).toEqual(expected);
        compared += expected.length;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
