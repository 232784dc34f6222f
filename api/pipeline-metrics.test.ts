import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../alerts/alert-service.js';
import { DEFAULT_ALERT_SETTINGS } from '../alerts/settings.js';
import { openStore } from '../cli/open-store.js';
import { kpiSettings } from '../kpis/kpi.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import type { RunSummary } from '../runtime/embedded-pipeline.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import { ROOT, runInputs, tempDir, testConfig } from '../testing/harness.js';
import { createApp } from './app.js';

let store: ChdbStore;
let base: string;
let close: () => void;
let summary: RunSummary;

beforeAll(async () => {
  const config = testConfig();
  store = await openStore(config, join(tempDir('pipeline-metrics'), 'data'));
  summary = await runInputs(store, config, [join(ROOT, 'fixtures/demo/events.jsonl'), join(ROOT, 'fixtures/demo/malformed.jsonl')]);
  await evaluateAlerts(store, { ...DEFAULT_ALERT_SETTINGS, maxAgeDays: 0 });
  const server = createApp(store, kpiSettings(config)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
}, 120_000);

afterAll(async () => {
  close?.();
  await store?.close();
});

/** The samples of one metric: label text → value. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

describe('/metrics: the pipeline and the alerts', () => {
  it('counts the events per stage as the run itself counted them, with no lag once it is done', async () => {
    const before = Date.now();
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(samples(text, 'ledgerline_metrics_collector_errors').get('')).toBe(0);
    const stages = samples(text, 'ledgerline_pipeline_events_total');
    expect(summary.dead_lettered).toBeGreaterThan(0);
    expect(Object.fromEntries(stages)).toEqual({
      '{stage="read"}': summary.events_logged + summary.dead_lettered,
      '{stage="dead_lettered"}': summary.dead_lettered,
      '{stage="logged"}': summary.events_logged,
      '{stage="processed"}': summary.events_logged,
    });
    expect(samples(text, 'ledgerline_pipeline_lag_offsets').get('')).toBe(0);
    const committed = samples(text, 'ledgerline_pipeline_committed_offset');
    expect(committed.size).toBe(testConfig().LEDGERLINE_BUS_PARTITIONS);
    const end = samples(text, 'ledgerline_pipeline_log_end_offset').get('')!;
    for (const offset of committed.values()) expect(offset).toBe(end);
    const time = Date.parse((await streamTime(new Checkpoints(store)))!);
    expect(samples(text, 'ledgerline_pipeline_stream_time_seconds').get('')).toBe(time / 1000);
    const lag = samples(text, 'ledgerline_pipeline_stream_lag_seconds').get('')!;
    expect(lag).toBeGreaterThanOrEqual((before - time) / 1000);
    expect(lag).toBeLessThanOrEqual((Date.now() - time) / 1000);
  });

  it('counts the live alerts by kind, severity and status as the service lists them, and follows an acknowledgement', async () => {
    const service = new AlertService(store);
    const { alerts } = await service.list({ status: ['open', 'acknowledged'], limit: 10_000 });
    expect(alerts.length).toBeGreaterThan(0);
    const expected = (list: typeof alerts) => {
      const m = new Map<string, number>();
      for (const a of list) m.set(`{kind="${a.kind}",severity="${a.severity}",status="${a.status}"}`, (m.get(`{kind="${a.kind}",severity="${a.severity}",status="${a.status}"}`) ?? 0) + 1);
      return m;
    };
    const live = async () => new Map([...samples(await (await fetch(`${base}/metrics`)).text(), 'ledgerline_alerts_live')].filter(([, v]) => v > 0));
    expect(await live()).toEqual(expected(alerts));
    await service.acknowledge(alerts[0]!.alert_id, 'tester');
    const after = (await service.list({ status: ['open', 'acknowledged'], limit: 10_000 })).alerts;
    expect(after.filter((a) => a.status === 'acknowledged').length).toBe(1);
    expect(await live()).toEqual(expected(after));
  });
});
