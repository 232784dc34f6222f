import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { Checkpoints, STREAM_TIME } from '../store/checkpoints.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { alertId } from './alert.js';
import { AlertService } from './alert-service.js';
import { AlertError } from './lifecycle.js';
import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from './settings.js';

/** A stockout_risk row as the scoring job writes it; only what the rule reads matters. */
function risk(as_of: string, sku: string, value: number) {
  return {
    company: 'acme', sku, warehouse: 'WH1', as_of, horizon_days: 7, risk: value, days_of_cover: 3, expected_stockout_day: as_of, suggested_order_qty: 40,
    net: 5, quarantined: 0, in_transit: 0, inbound: 0, lead_time_days: 5, forecast_units: 20, model_version: 0, scored_at: new Date().toISOString(),
  };
}

const A = alertId('stockout_risk', 'acme/SKU-A@WH1');
const B = alertId('stockout_risk', 'acme/SKU-B@WH1');

describe('alert lifecycle and dedupe', () => {
  let store: ChdbStore;
  let service: AlertService;
  const evaluate = async (day: string, settings: AlertSettings = DEFAULT_ALERT_SETTINGS) => {
    await new Checkpoints(store).set(new Map([[STREAM_TIME, `${day}T12:00:00.000Z`]]));
    const r = await evaluateAlerts(store, settings);
    const c = r.kinds.stockout_risk;
    if (c === undefined || c === 'not judged') throw new Error(`stockout_risk not judged: ${JSON.stringify(r)}`);
    return c;
  };
  const liveRows = async () =>
    store.query<{ alert_id: string; n: string }>(
      "SELECT alert_id, toString(count()) AS n FROM alerts FINAL WHERE kind = 'stockout_risk' AND status IN ('open', 'acknowledged') GROUP BY alert_id ORDER BY alert_id",
    );

  beforeAll(async () => {
    store = await openStore(testConfig(), join(tempDir('alerts'), 'data'));
    service = new AlertService(store);
  });
  afterAll(async () => store?.close());

  it('does not judge stockout risk before any scoring, then opens one alert per condition however often it is evaluated', async () => {
    await new Checkpoints(store).set(new Map([[STREAM_TIME, '2025-03-01T12:00:00.000Z']]));
    expect((await evaluateAlerts(store)).kinds.stockout_risk).toBe('not judged');

    await store.insert('stockout_risk', [risk('2025-03-01', 'SKU-A', 0.8), risk('2025-03-01', 'SKU-B', 0.2)]);
    expect(await evaluate('2025-03-01')).toMatchObject({ conditions: 1, opened: 1, updated: 0, resolved: 0 });
    for (let i = 0; i < 3; i++) expect(await evaluate('2025-03-01')).toMatchObject({ conditions: 1, opened: 0, updated: 1, resolved: 0, reopened: 0 });
    expect(await liveRows()).toEqual([{ alert_id: A, n: '1' }]);
    const a = await service.get(A);
    expect(a).toMatchObject({ kind: 'stockout_risk', status: 'open', owner_role: 'buyer', occurrences: 1, subject: { company: 'acme', sku: 'SKU-A', warehouse: 'WH1' } });
    expect(a.evidence).toMatchObject({ risk: 0.8, suggested_order_qty: 40, model_version: 0, as_of: '2025-03-01' });
    // Same evidence every time: the trail holds the opening only, not a heartbeat.
    expect(a.history.map((e) => e.action)).toEqual(['opened']);
  });

  it('resolves an alert by itself when its condition clears, and reopens the same alert when it comes back', async () => {
    await store.insert('stockout_risk', [risk('2025-03-02', 'SKU-A', 0.3), risk('2025-03-02', 'SKU-B', 0.9)]);
    expect(await evaluate('2025-03-02')).toMatchObject({ conditions: 1, opened: 1, resolved: 1 });
    expect(await service.get(A)).toMatchObject({ status: 'resolved', resolved_by: 'ledgerline', resolution: 'condition cleared', condition_active: false });

    await store.insert('stockout_risk', [risk('2025-03-03', 'SKU-A', 0.95), risk('2025-03-03', 'SKU-B', 0.9)]);
    expect(await evaluate('2025-03-03')).toMatchObject({ conditions: 2, opened: 0, reopened: 1, updated: 1 });
    const a = await service.get(A);
    expect(a).toMatchObject({ status: 'open', occurrences: 2, resolved_at: null, severity: 'high' });
    expect(a.history.map((e) => [e.action, e.from_status, e.to_status, e.actor])).toEqual([
      ['opened', '', 'open', 'ledgerline'],
      ['resolved', 'open', 'resolved', 'ledgerline'],
      ['reopened', 'resolved', 'open', 'ledgerline'],
    ]);
    expect(await liveRows()).toEqual([A, B].sort().map((alert_id) => ({ alert_id, n: '1' })));
  });

  it('takes people through open → acknowledged → resolved, refuses what does not follow, and records every step', async () => {
    await service.assign(B, 'maria', 'lead');
    await expect(service.assign(B, 'maria', 'lead')).rejects.toThrow(/already assigned to maria/);
    await service.acknowledge(B, 'maria');
    await expect(service.acknowledge(B, 'maria')).rejects.toThrow(/already acknowledged \(by maria/);
    await expect(service.dismiss(B, 'maria', '  ')).rejects.toThrow(/reason must not be empty/);
    await service.resolve(B, 'maria', 'PO 4711 placed with the vendor');
    for (const attempt of [() => service.resolve(B, 'maria'), () => service.acknowledge(B, 'maria'), () => service.dismiss(B, 'maria', 'noise'), () => service.assign(B, 'joe', 'lead')]) {
      const refused = await attempt().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AlertError);
      expect((refused as AlertError).code).toBe('invalid_transition');
      expect((refused as AlertError).message).toMatch(/it is resolved on .* by maria \(PO 4711 placed/);
    }
    await service.comment(B, 'lead', 'vendor confirmed delivery for Friday');
    await expect(service.comment(B, '', 'x')).rejects.toThrow(/actor must be a name/);
    await expect(service.get('stockout_risk-0000000000000000')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.get('../etc/passwd')).rejects.toMatchObject({ code: 'invalid_request' });

    const b = await service.get(B);
    expect(b).toMatchObject({ status: 'resolved', assignee: 'maria', acknowledged_by: 'maria', resolved_by: 'maria', resolution: 'PO 4711 placed with the vendor' });
    expect(b.history.map((e) => [e.action, e.actor, e.to_status])).toEqual([
      ['opened', 'ledgerline', 'open'],
      ['updated', 'ledgerline', 'open'],
      ['assigned', 'lead', 'open'],
      ['acknowledged', 'maria', 'acknowledged'],
      ['resolved', 'maria', 'resolved'],
      ['commented', 'lead', 'resolved'],
    ]);
    // Rescored the next day with the same risk: the evidence names what moved.
    expect(b.history.find((e) => e.action === 'updated')?.details).toEqual({ changed: ['as_of', 'expected_stockout_day'] });
    expect(b.history.find((e) => e.action === 'assigned')?.details).toEqual({ from: null, to: 'maria' });
    expect(b.history.find((e) => e.action === 'commented')?.details).toEqual({ text: 'vendor confirmed delivery for Friday' });
    const seqs = b.history.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('keeps an alert a person closed while its condition still holds closed (no reopening of the same occurrence)', async () => {
    // B's risk is still 0.9 on 2025-03-03: resolved by maria above, it must stay resolved.
    expect(await evaluate('2025-03-03')).toMatchObject({ opened: 0, reopened: 0 });
    expect(await service.get(B)).toMatchObject({ status: 'resolved', resolved_by: 'maria', condition_active: true });
    await service.dismiss(A, 'maria', 'SKU being phased out');
    expect(await evaluate('2025-03-03')).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
    expect(await service.get(A)).toMatchObject({ status: 'dismissed', resolution: 'SKU being phased out' });
    expect(await liveRows()).toEqual([]);
  });

  it('without auto-resolve, a cleared condition leaves the alert open with a note in the trail', async () => {
    await store.insert('stockout_risk', [risk('2025-03-04', 'SKU-C', 0.7)]);
    expect(await evaluate('2025-03-04')).toMatchObject({ opened: 1 });
    const keepOpen = { ...DEFAULT_ALERT_SETTINGS, autoResolve: { ...DEFAULT_ALERT_SETTINGS.autoResolve, stockout_risk: false } };
    await store.insert('stockout_risk', [risk('2025-03-05', 'SKU-C', 0.1)]);
    expect(await evaluate('2025-03-05', keepOpen)).toMatchObject({ resolved: 0, cleared: 1 });
    const c = await service.get(alertId('stockout_risk', 'acme/SKU-C@WH1'));
    expect(c).toMatchObject({ status: 'open', condition_active: false });
    expect(c.history.map((e) => e.action)).toEqual(['opened', 'cleared']);
    expect(await evaluate('2025-03-05', keepOpen)).toMatchObject({ resolved: 0, cleared: 0 }); // noted once
  });

  it('lists with filters and paging, and refuses unknown filter values', async () => {
    const all = await service.list({ kind: 'stockout_risk' });
    expect(all.total).toBe(3);
    expect(new Set(all.alerts.map((a) => a.alert_id)).size).toBe(3);
    expect((await service.list({ status: 'open' })).alerts.map((a) => a.subject.sku)).toEqual(['SKU-C']);
    expect((await service.list({ status: ['resolved', 'dismissed'], sku: 'SKU-B' })).alerts.map((a) => a.status)).toEqual(['resolved']);
    const page = await service.list({ kind: 'stockout_risk', limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: 3 });
    expect(page.alerts).toHaveLength(1);
    await expect(service.list({ status: 'closed' as never })).rejects.toThrow(/status "closed" is not one of open, acknowledged, resolved, dismissed/);
    await expect(service.list({ since: 'yesterday' })).rejects.toThrow(/since must be an ISO-8601 instant/);
  });
});
