/**
 * API keys limited to companies and/or warehouses: every data route answers only what is in the
 * key's scope, a filter naming something outside it gets 403, an alert outside it 404, and a route
 * the scoping does not know is closed to a limited key.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { kpiSettings } from '../kpis/kpi.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { writeTestAlert } from '../testing/alert-fixtures.js';
import { ROOT, runInputs, tempDir, testConfig } from '../testing/harness.js';
import { createApp } from './app.js';
import { HttpError } from './http-error.js';
import { ApiKeys } from './keys.js';
import type { Route } from './routes.js';
import { scopeGuard } from './scope.js';

let store: ChdbStore;
let keys: ApiKeys;
let base: string;
let close: () => void;

beforeAll(async () => {
  const config = testConfig();
  store = await openStore(config, join(tempDir('key-scope'), 'data'));
  await runInputs(store, config, [join(ROOT, 'fixtures/demo/events.jsonl')]);
  // A second company with a warehouse of the same name: scoping by company must tell them apart.
  await store.insert('locations', [{ company: 'beta', location: 'WH1/Stock', name: 'Stock', usage: 'internal', warehouse: 'WH1', quarantine: false, version: 1, occurred_at: '2025-01-01T00:00:00.000Z', log_offset: 1 }]);
  await store.insert('ledger_positions', [{ company: 'beta', sku: 'SKU-B1', warehouse: 'WH1', location: 'WH1/Stock', usage: 'internal', qty: 7, reserved: 0, log_offset: 1 }]);
  keys = new ApiKeys(store);
  const app = createApp(store, kpiSettings(config), { auth: 'required', keys, ratePerSecond: 0, log: () => {} });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => {
    app.closeStreams();
    server.close();
  };
}, 120_000);

afterAll(async () => {
  close?.();
  await store?.close();
});

const get = async (key: string, path: string) => {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { rows?: Array<Record<string, unknown>>; error?: string } };
};

describe('API keys limited to companies and warehouses', () => {
  it('are created with their limits through the API, never for admin', async () => {
    const { key: admin } = await keys.create('admin', 'admin', 'test');
    const post = (body: unknown) => fetch(`${base}/api/v1/keys`, { method: 'POST', headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post({ role: 'executive', name: 'WH2 manager', companies: ['c1'], warehouses: ['WH2', 'WH2'] });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ role: 'executive', companies: ['c1'], warehouses: ['WH2'] });
    const refused = await post({ role: 'admin', name: 'limited admin', companies: ['c1'] });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatch(/admin key cannot be limited/);
    expect((await post({ role: 'buyer', name: 'x', warehouses: [''] })).status).toBe(400);
    // A warehouse code alone would name it in every company.
    const warehouseOnly = await post({ role: 'buyer', name: 'WH buyer', warehouses: ['WH1'] });
    expect(warehouseOnly.status).toBe(400);
    expect((await warehouseOnly.json()).error).toMatch(/must name their companies too/);
    const listed = (await get(admin, '/api/v1/keys')).body.keys as Array<{ name: string; companies: string[] }>;
    expect(listed.find((k) => k.name === 'WH2 manager')!.companies).toEqual(['c1']);
    expect(listed.find((k) => k.name === 'admin')!.companies).toEqual([]);
  });

  it('ledger: only the rows of the scope, limits counted after it; a warehouse outside it is 403', async () => {
    const { key: all } = await keys.create('executive', 'all', 'test');
    const { key: wh2 } = await keys.create('executive', 'c1 WH2', 'test', { companies: ['c1'], warehouses: ['WH2'] });
    const { key: beta } = await keys.create('executive', 'beta', 'test', { companies: ['beta'] });
    const everything = (await get(all, '/api/v1/ledger')).body.rows!;
    const expected = everything.filter((r) => r.company === 'c1' && r.warehouse === 'WH2');
    expect(expected.length).toBeGreaterThan(3);
    expect(everything.length).toBeGreaterThan(expected.length);
    expect((await get(wh2, '/api/v1/ledger')).body.rows).toEqual(expected);
    expect((await get(wh2, '/api/v1/ledger?limit=3')).body.rows).toEqual(expected.slice(0, 3));
    expect((await get(wh2, '/api/v1/ledger?warehouse=WH2')).body.rows).toEqual(expected);
    const outside = await get(wh2, '/api/v1/ledger?warehouse=WH1');
    expect(outside.status).toBe(403);
    expect(outside.body.error).toMatch(/limited to companies c1 and warehouses WH2: warehouse "WH1" is outside it/);
    // Same warehouse name, other company: only beta's row.
    expect((await get(beta, '/api/v1/ledger?warehouse=WH1')).body.rows).toEqual([{ company: 'beta', sku: 'SKU-B1', warehouse: 'WH1', location: 'WH1/Stock', on_hand: 7, reserved: 0, in_transit: 0, quarantined: 0, available: 7 }]);
  });

  it('KPIs: aggregated over the scope’s companies only; a warehouse-limited key reads them by warehouse', async () => {
    const { key: all } = await keys.create('executive', 'all kpis', 'test');
    const { key: c1 } = await keys.create('executive', 'c1', 'test', { companies: ['c1'] });
    const { key: beta } = await keys.create('executive', 'beta kpis', 'test', { companies: ['beta'] });
    const { key: wh2 } = await keys.create('executive', 'WH2 kpis', 'test', { companies: ['c1'], warehouses: ['WH2'] });
    const byCompany = (await get(all, '/api/v1/kpis/otif_line?grain=week')).body.rows!;
    expect(byCompany.length).toBeGreaterThan(0);
    expect((await get(c1, '/api/v1/kpis/otif_line?grain=week')).body.rows).toEqual(byCompany);
    expect((await get(beta, '/api/v1/kpis/otif_line?grain=week')).body.rows).toEqual([]);
    const byWarehouse = (await get(all, '/api/v1/kpis/otif_line?by=warehouse&grain=week')).body.rows!;
    expect((await get(wh2, '/api/v1/kpis/otif_line?by=warehouse&grain=week')).body.rows).toEqual(byWarehouse.filter((r) => r.dimension === 'WH2'));
    const mixed = await get(wh2, '/api/v1/kpis/otif_line?by=sku');
    expect(mixed.status).toBe(403);
    expect(mixed.body.error).toMatch(/would add up other warehouses too; ask by=warehouse/);
    expect((await get(wh2, '/api/v1/kpis/otif_line')).status).toBe(403);
    // The catalogue holds no company data.
    expect((await get(wh2, '/api/v1/kpis')).status).toBe(200);
  });

  it('alerts: listed and acted on only within the scope; one outside it is 404', async () => {
    const inside = await writeTestAlert(store, { owner_role: 'buyer', warehouse: 'WH2', sku: 'SKU-S1' });
    const other = await writeTestAlert(store, { owner_role: 'buyer', warehouse: 'WH1', sku: 'SKU-S1' });
    const { key: buyer } = await keys.create('buyer', 'WH2 buyer', 'test', { companies: ['acme'], warehouses: ['WH2'] });
    const { key: exec } = await keys.create('executive', 'beta exec', 'test', { companies: ['beta'] });
    const listed = async (key: string, q = '') => {
      // The list follows the store within a poll; wait for the alerts written above.
      for (let i = 0; i < 50; i++) {
        const r = await get(key, `/api/v1/alerts?sku=SKU-S1${q}`);
        if (r.status !== 200) return r;
        if (key !== buyer || (r.body.alerts as unknown[]).length > 0) return r;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return get(key, `/api/v1/alerts?sku=SKU-S1${q}`);
    };
    const mine = await listed(buyer);
    expect((mine.body.alerts as Array<{ alert_id: string }>).map((a) => a.alert_id)).toEqual([inside.alert_id]);
    expect(mine.body.total).toBe(1);
    expect((await listed(buyer, '&warehouse=WH1')).status).toBe(403);
    expect((await listed(exec)).body.alerts).toEqual([]);
    expect((await get(buyer, `/api/v1/alerts/${inside.alert_id}`)).status).toBe(200);
    expect((await get(buyer, `/api/v1/alerts/${other.alert_id}`)).status).toBe(404);
    const ack = await fetch(`${base}/api/v1/alerts/${other.alert_id}/ack`, { method: 'POST', headers: { Authorization: `Bearer ${buyer}` } });
    expect(ack.status).toBe(404);
    expect((await fetch(`${base}/api/v1/alerts/${inside.alert_id}/ack`, { method: 'POST', headers: { Authorization: `Bearer ${buyer}` } })).status).toBe(200);
  });

  it('rows: the scope is part of the query, so the rows in scope come back however many others sort before them', async () => {
    // 120k rows of a company sorting first: more than a route's largest page.
    await store.command(
      `INSERT INTO ledger_positions (company, sku, warehouse, location, usage, qty, reserved, log_offset)
       SELECT 'aaa', concat('SKU-', toString(number)), 'WH1', 'WH1/Stock', 'internal', 1, 0, 1 FROM numbers(120000)`,
    );
    await store.command(
      `INSERT INTO anomaly_scores (company, kind, doc_id, sku, warehouse, occurred_at, score, reasons, model, event_id, log_offset)
       SELECT 'aaa', 'adjustment', concat('adj-', toString(number)), 'SKU-1', 'WH1', now64(3), 2, '[]', 'robust', concat('e-', toString(number)), 1 FROM numbers(120000)`,
    );
    const { key: beta } = await keys.create('executive', 'beta rows', 'test', { companies: ['beta'] });
    expect((await get(beta, '/api/v1/ledger')).body.rows!.map((r) => r.sku)).toEqual(['SKU-B1']);
    const { key: c1 } = await keys.create('data_scientist', 'c1 anomalies', 'test', { companies: ['c1'] });
    const { key: everyone } = await keys.create('data_scientist', 'all anomalies', 'test');
    const all = (await get(everyone, '/api/v1/anomalies?limit=100000')).body.rows!;
    expect(all.every((r) => r.company === 'aaa'), 'the other company fills a whole page').toBe(true);
    const mine = (await get(c1, '/api/v1/anomalies?limit=100000')).body.rows!;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.company === 'c1')).toBe(true);
  });

  it('dashboards: refused to a limited key (built from every company), open to a key without limits', async () => {
    const { key: limited } = await keys.create('executive', 'c1 dashboards', 'test', { companies: ['c1'] });
    const { key: all } = await keys.create('executive', 'all dashboards', 'test');
    const refused = await fetch(`${base}/dashboards/`, { headers: { Authorization: `Bearer ${limited}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/limited to companies c1, and the dashboards show every company/);
    // Built or not (404 then), the site is not refused to an unlimited key.
    expect([200, 404]).toContain((await fetch(`${base}/dashboards/`, { headers: { Authorization: `Bearer ${all}` } })).status);
  });

  it('closes a route the scoping does not know to a limited key (and leaves it open to others)', async () => {
    const route = { id: 'someNewRoute', method: 'get', path: '/api/v1/new', tag: 'x', summary: 'x', access: ['executive', 'admin'], response: { status: 200, description: 'x' } } as unknown as Route;
    const guard = scopeGuard(route);
    const res = (companies: string[]) => ({ locals: { principal: { kind: 'key', id: 'llk_0', role: 'executive', name: 'n', companies, warehouses: [] }, validated: { query: {}, params: {} } } }) as unknown as Response;
    let passed = false;
    await guard({} as never, res([]), () => (passed = true));
    expect(passed).toBe(true);
    await expect(guard({} as never, res(['c1']), () => {})).rejects.toThrow(HttpError);
  });
});
