import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kpiSettings } from '../kpis/kpi.js';
import { testConfig } from '../testing/harness.js';
import { runScenario, salesScenario } from '../testing/kpi-scenario.js';
import { createApp } from './app.js';

describe('KPI API', () => {
  it('serves the catalogue, a KPI by dimension and grain, and 400 with a reason for bad requests', async () => {
    await runScenario(salesScenario(), async (kpi, store) => {
      const server = createApp(store, kpiSettings(testConfig())).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/kpis`;
      try {
        const catalogue = (await (await fetch(base)).json()) as { kpis: Array<{ name: string; definition: string; dimensions: string[] }> };
        expect(catalogue.kpis.map((k) => k.name)).toContain('otif_line');
        expect(catalogue.kpis.every((k) => k.definition.length > 0 && k.dimensions.includes('company'))).toBe(true);

        const res = await fetch(`${base}/otif_line?by=warehouse&grain=week&from=2025-01-01T00:00:00Z`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          kpi: 'otif_line',
          by: 'warehouse',
          grain: 'week',
          rows: await kpi({ name: 'otif_line', by: 'warehouse', grain: 'week', from: '2025-01-01T00:00:00Z' }),
        });
        expect((await (await fetch(`${base}/otif_line?by=warehouse&grain=week`)).json()).rows).toEqual([
          { period: '2025-01-06', dimension: 'WH1', numerator: 1, denominator: 4, value: 0.25 },
        ]);

        for (const [path, reason] of [
          ['/nope', /unknown KPI "nope"/],
          ['/otif_order?by=sku', /cannot be broken down by "sku"/],
          ['/otif_line?grain=month', /grain "month"/],
          ['/otif_line?from=yesterday', /ISO-8601/],
          ['/otif_line?colour=red', /unknown query parameter/],
        ] as const) {
          const bad = await fetch(base + path);
          expect(bad.status, path).toBe(400);
          expect((await bad.json()).error, path).toMatch(reason);
        }
      } finally {
        server.close();
      }
    });
  });
});
