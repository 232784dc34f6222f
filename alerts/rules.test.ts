import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { Checkpoints, STREAM_TIME } from '../store/checkpoints.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { AlertService } from './alert-service.js';
import { reconcile } from './reconcile.js';
import { DEFAULT_ALERT_SETTINGS } from './settings.js';
import { parseThresholdOverrides } from './thresholds.js';

describe('rules on hand-made facts', () => {
  let store: ChdbStore;
  beforeAll(async () => {
    store = await openStore(testConfig(), join(tempDir('alert-rules'), 'data'));
    await new Checkpoints(store).set(new Map([[STREAM_TIME, '2025-03-01T12:00:00.000Z']]));
  });
  afterAll(async () => store?.close());

  it('dead-letter surge: per source, within the window, resolved once the window has passed', async () => {
    const now = new Date('2025-06-01T10:00:00.000Z');
    const letter = (source: string, position: number, minutesAgo: number, reason: string) => ({
      source_id: `id-${source}`, source_name: source, position, reason, raw: '{', raw_bytes: 1, raw_sha256: 'x',
      received_at: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
    });
    await store.insert('dead_letters', [
      ...[1, 2, 3, 4].map((p) => letter('feed-a.jsonl', p, 5, p < 4 ? 'truncated JSON' : 'unknown type')),
      ...[1, 2].map((p) => letter('feed-b.jsonl', p, 5, 'truncated JSON')),
      ...[10, 11, 12].map((p) => letter('feed-b.jsonl', p, 600, 'truncated JSON')), // outside the window
    ]);
    const settings = { ...DEFAULT_ALERT_SETTINGS, deadLetterSurge: 3, deadLetterWindowMinutes: 60 };
    expect((await evaluateAlerts(store, settings, { now })).kinds.dead_letter_surge).toMatchObject({ conditions: 1, opened: 1 });
    const [alert] = (await new AlertService(store).list({ kind: 'dead_letter_surge' })).alerts;
    expect(alert).toMatchObject({ owner_role: 'admin', severity: 'high', subject: { source: 'feed-a.jsonl' } });
    expect(alert!.evidence).toMatchObject({ dead_letters: 4, top_reasons: [{ reason: 'truncated JSON', count: 3 }, { reason: 'unknown type', count: 1 }], sample_positions: [1, 2, 3, 4] });
    const later = new Date(now.getTime() + 2 * 3_600_000);
    expect((await evaluateAlerts(store, settings, { now: later })).kinds.dead_letter_surge).toMatchObject({ conditions: 0, resolved: 1 });
  });

  it('negative stock: on hand below zero is high, available below zero medium, per location', async () => {
    await store.insert('locations', [{ company: 'acme', location: 'WH1/Stock', name: 'Stock', usage: 'internal', warehouse: 'WH1', quarantine: false, version: 1, occurred_at: '2025-01-01T00:00:00.000Z', log_offset: 1 }]);
    await store.insert('ledger_positions', [
      { company: 'acme', sku: 'SKU-1', warehouse: 'WH1', location: 'WH1/Stock', usage: 'internal', qty: -4, reserved: 0, log_offset: 2 },
      { company: 'acme', sku: 'SKU-2', warehouse: 'WH1', location: 'WH1/Stock', usage: 'internal', qty: 5, reserved: 8, log_offset: 2 },
      { company: 'acme', sku: 'SKU-3', warehouse: 'WH1', location: 'WH1/Stock', usage: 'internal', qty: 5, reserved: 5, log_offset: 2 },
    ]);
    expect((await evaluateAlerts(store)).kinds.negative_stock).toMatchObject({ conditions: 2, opened: 2 });
    const alerts = (await new AlertService(store).list({ kind: 'negative_stock' })).alerts;
    expect(alerts.map((a) => [a.subject.sku, a.severity, a.evidence.measure])).toEqual([
      ['SKU-1', 'high', 'on_hand'],
      ['SKU-2', 'medium', 'available'],
    ]);
    await store.insert('ledger_positions', [{ company: 'acme', sku: 'SKU-1', warehouse: 'WH1', location: 'WH1/Stock', usage: 'internal', qty: 0, reserved: 0, log_offset: 3 }]);
    expect((await evaluateAlerts(store)).kinds.negative_stock).toMatchObject({ conditions: 1, resolved: 1, updated: 1 });
  });

  it('stock drift: repeated count variances per cell within the window, the first count left out, thresholds per warehouse', async () => {
    const count = (id: number, sku: string, wh: string, day: string, counted: number, system: number) => ({
      company: 'acme', count_id: `stock.count:${id}`, sku, warehouse: wh, location: `${wh}/Stock`, user: 'alice', reason: counted < system ? 'shrinkage' : 'found',
      counted_qty: counted, system_qty: system, occurred_at: `${day}T20:00:00.000Z`, count_version: 1, log_offset: id,
    });
    await store.insert('count_outcomes', [
      // SKU-9 at WH1: an opening count (not judged), two losses in the window: drift (shrink).
      count(101, 'SKU-9', 'WH1', '2025-01-01', 40, 0), count(102, 'SKU-9', 'WH1', '2025-01-20', 38, 40), count(103, 'SKU-9', 'WH1', '2025-02-15', 35, 37),
      // SKU-9 at WH2: the same, but WH2 asks for three variances.
      count(201, 'SKU-9', 'WH2', '2025-01-01', 40, 0), count(202, 'SKU-9', 'WH2', '2025-01-20', 38, 40), count(203, 'SKU-9', 'WH2', '2025-02-15', 35, 37),
      // SKU-8 at WH1: one variance in the window, and one before it (2024): not drift.
      count(301, 'SKU-8', 'WH1', '2024-06-01', 10, 0), count(302, 'SKU-8', 'WH1', '2024-09-01', 12, 10), count(303, 'SKU-8', 'WH1', '2025-02-01', 12, 12), count(304, 'SKU-8', 'WH1', '2025-02-20', 9, 12),
      // SKU-7 at WH3: back and forth (a miscount undone by the next count).
      count(401, 'SKU-7', 'WH3', '2025-01-01', 10, 0), count(402, 'SKU-7', 'WH3', '2025-01-25', 14, 10), count(403, 'SKU-7', 'WH3', '2025-02-20', 10, 14),
    ]);
    const settings = { ...DEFAULT_ALERT_SETTINGS, overrides: parseThresholdOverrides({ thresholds: [{ warehouse: 'WH2', set: { drift_variances: 3 } }] }) };
    expect((await evaluateAlerts(store, settings)).kinds.stock_drift).toMatchObject({ conditions: 2, opened: 2 });
    const alerts = (await new AlertService(store).list({ kind: 'stock_drift' })).alerts;
    expect(alerts.map((a) => [a.subject.sku, a.subject.location, a.severity, a.owner_role, a.evidence.pattern, a.evidence.variances, a.evidence.counts_in_window])).toEqual([
      ['SKU-9', 'WH1/Stock', 'high', 'finance', 'shrink', 2, 2],
      ['SKU-7', 'WH3/Stock', 'medium', 'finance', 'back_and_forth', 2, 2],
    ]);
    expect(alerts[0]!.evidence).toMatchObject({ net_variance: -4, counts: [{ count_id: 'stock.count:102', variance: -2 }, { count_id: 'stock.count:103', variance: -2 }] });
    // A corrected version of a count that is within tolerance clears the drift.
    await store.insert('count_outcomes', [{ ...count(103, 'SKU-9', 'WH1', '2025-02-15', 37, 37), count_version: 2 }]);
    expect((await evaluateAlerts(store, settings)).kinds.stock_drift).toMatchObject({ conditions: 1, resolved: 1 });
  });
});

describe('reconcile', () => {
  let seq = 0;
  const base = { kind: 'anomalous_adjustment' as const, autoResolve: true, now: '2025-06-01T00:00:00.000Z', nextSeq: () => ++seq };
  const condition = (key: string, observedAt: string) => ({
    key, severity: 'high' as const, ownerRole: 'finance' as const, title: key, subject: { company: 'acme' }, evidence: { score: 0.9 }, observedAt,
  });

  it('opens no alert for a document older than the max age, and one alert for a key given twice', () => {
    const r = reconcile(new Map(), [condition('old', '2025-01-01T00:00:00.000Z'), condition('new', '2025-05-30T00:00:00.000Z'), condition('new', '2025-05-30T00:00:00.000Z')], {
      ...base,
      openAfter: '2025-05-01T00:00:00.000Z',
    });
    expect(r.counts).toMatchObject({ conditions: 3, opened: 1, too_old: 1 });
    expect(r.alerts.map((a) => a.condition_key)).toEqual(['new']);
    expect(r.events.map((e) => e.action)).toEqual(['opened']);
  });

  it('keeps an old alert up to date whatever its age: the max age only stops new ones', () => {
    const opened = reconcile(new Map(), [condition('old', '2025-01-01T00:00:00.000Z')], { ...base, openAfter: undefined }).alerts[0]!;
    const r = reconcile(new Map([[opened.alert_id, opened]]), [condition('old', '2025-01-01T00:00:00.000Z')], { ...base, openAfter: '2025-05-01T00:00:00.000Z' });
    expect(r.counts).toMatchObject({ updated: 1, too_old: 0, opened: 0 });
  });
});
