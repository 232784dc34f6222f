import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../events/examples.js';
import { goodEvents } from '../fixtures/malformed.js';
import { openStore } from '../cli/open-store.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { runInputs, tempDir, testConfig } from '../testing/harness.js';
import { kpiSettings } from '../kpis/kpi.js';
import { apiOptions, createApp } from './app.js';

let store: ChdbStore;
let base: string;
let close: () => void;

beforeAll(async () => {
  const dir = tempDir('api');
  const file = join(dir, 'events.jsonl');
  const receipt = { ...EXAMPLES.stock_move, record_id: 'r1', move_id: 'r1', event_id: 'odoo-prod/stock_move/r1@1', occurred_at: '2025-01-01T00:00:00.000Z', qty: 10_000, from_location: 'Partners/Vendors', from_usage: 'supplier', from_warehouse: null, to_location: 'WH1/Stock', to_usage: 'internal', to_warehouse: 'WH1' };
  writeFileSync(file, [receipt, ...goodEvents(3)].map((e) => JSON.stringify(e)).join('\n'));
  const config = testConfig();
  store = await openStore(config, join(dir, 'data'));
  await runInputs(store, config, [file]);
  const server = createApp(store, kpiSettings(config)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close?.();
  await store?.close();
});

describe('HTTP API', () => {
  it('GET /health', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /api/v1/ledger gives the five quantities, live and as of a past instant', async () => {
    const live = await (await fetch(`${base}/api/v1/ledger?sku=SKU-0042`)).json();
    expect(live.rows).toEqual([
      { company: 'acme', sku: 'SKU-0042', warehouse: 'WH1', location: 'WH1/Stock', on_hand: 10_000 - 6, reserved: 0, in_transit: 0, quarantined: 0, available: 10_000 - 6 },
    ]);
    const before = await (await fetch(`${base}/api/v1/ledger?as_of=2025-02-01T00:00:00Z`)).json();
    expect(before.rows.map((r: { on_hand: number }) => r.on_hand)).toEqual([10_000]);
    const none = await (await fetch(`${base}/api/v1/ledger?location=WH9/Stock`)).json();
    expect(none.rows).toEqual([]);
  });

  it('answers bad requests with 400 and a reason', async () => {
    for (const query of ['as_of=yesterday', 'limit=0', 'colour=red', 'sku=a&sku=b']) {
      const res = await fetch(`${base}/api/v1/ledger?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error, query).toMatch(/as_of|limit|unknown query parameter|one non-empty string/);
    }
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('GET /api/v1/alert-rules shows an admin the thresholds in force and the overrides of the rules file', async () => {
    const rules = join(tempDir('api-rules'), 'rules.json');
    writeFileSync(rules, JSON.stringify({ thresholds: [{ company: 'acme', warehouse: 'WH2', set: { stockout_risk: 0.3 } }] }));
    const config = testConfig({ LEDGERLINE_ALERT_STOCKOUT_RISK: 0.6, LEDGERLINE_ALERT_RULES_FILE: rules });
    const server = createApp(store, kpiSettings(config), apiOptions(config)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/alert-rules`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { settings: Record<string, unknown>; overrides: unknown[] };
      expect(body.settings).toMatchObject({ stockoutRisk: 0.6, otifTarget: 0.95, autoResolve: { stockout_risk: true } });
      expect(body.overrides).toEqual([expect.objectContaining({ company: 'acme', warehouse: 'WH2' })]);
      expect(JSON.stringify(body.overrides)).toContain('0.3');
    } finally {
      server.close();
    }
  });
});
