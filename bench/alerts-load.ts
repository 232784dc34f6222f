/**
 * `npm run bench:alerts`: the alert API under load (issue 6): BENCH_SSE_CLIENTS (default 200)
 * clients on GET /api/v1/alerts/stream and BENCH_RATE (default 500) requests/s of GET
 * /api/v1/alerts queries for BENCH_SECONDS (default 60), while alert events are made through the
 * service at BENCH_EVENTS_PER_SECOND (default 20).
 *
 * Generates a distributor (seed 1, 120 days, 30 SKUs, 3 warehouses), runs the pipeline, scores
 * stockout risk and evaluates the alerts, then serves the API in this process on 127.0.0.1 with
 * API keys required and the rate limit off (one key per role would otherwise be held to
 * LEDGERLINE_API_RATE_PER_SECOND). The stream clients are executive, buyer and finance keys in
 * turn, the queries a mix of filters under the same keys. The requests are sent open-loop (on a
 * schedule, not one after another) and timed from send to the last byte of the body.
 *
 * At the end, every stream client must have received exactly the events of the alerts its role sees
 * that were written after it connected (checked against alert_events), in order, none twice; the
 * process exits 1 otherwise. Prints one JSON line.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert, AlertEvent } from '../alerts/alert.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertStore } from '../alerts/alert-store.js';
import { DEFAULT_ALERT_SETTINGS } from '../alerts/settings.js';
import { apiOptions, createApp } from '../api/app.js';
import { ApiKeys } from '../api/keys.js';
import { SseReader } from '../api/sse-reader.js';
import { openInputs } from '../cli/inputs.js';
import { openStore } from '../cli/open-store.js';
import { loadConfig } from '../config/config.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { kpiSettings } from '../kpis/kpi.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { scoreStockouts } from '../runtime/scoring-job.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const EVENTS_PER_SECOND = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 20);
const OUT = fileURLToPath(new URL('../../bench/out/alerts-data/', import.meta.url));
const STREAM_ROLES = ['executive', 'buyer', 'finance'] as const;
type StreamRole = (typeof STREAM_ROLES)[number];

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (x: number) => Math.round(x * 10) / 10;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface StreamClient {
  role: StreamRole;
  /** The position it connected at: it is owed every event after it. */
  start: number;
  seqs: number[];
  alerts: string[];
  ended: boolean;
  abort: AbortController;
}

async function openStream(base: string, role: StreamRole, key: string): Promise<StreamClient> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/v1/alerts/stream`, { headers: { Authorization: `Bearer ${key}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream for ${role}: HTTP ${res.status} ${await res.text()}`);
  const client: StreamClient = { role, start: NaN, seqs: [], alerts: [], ended: false, abort };
  const reader = new SseReader();
  const decoder = new TextDecoder();
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  void (async () => {
    try {
      for await (const chunk of res.body!) {
        for (const e of reader.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
          client.seqs.push(Number(e.id));
          client.alerts.push((JSON.parse(e.data) as AlertEvent).alert_id);
        }
        if (Number.isNaN(client.start) && reader.lastEventId !== '') {
          client.start = Number(reader.lastEventId);
          connected();
        }
      }
    } catch {
      // aborted at the end
    }
    client.ended = true;
  })();
  await ready;
  return client;
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const started = Date.now();
  await writeDataset({ seed: 1, days: 120, skus: 30, warehouses: 3, out: OUT });
  const config = loadConfig({}, { LEDGERLINE_API_RATE_PER_SECOND: 0, LEDGERLINE_API_AUTH: 'required' });
  const store = await openStore(config, join(OUT, 'data'));
  await new EmbeddedPipeline(store, config).run(await openInputs([join(OUT, 'events.jsonl')], config));
  await scoreStockouts(store);
  // Every alert of the history, as the truth test does: more alerts to list and to act on.
  await evaluateAlerts(store, { ...DEFAULT_ALERT_SETTINGS, maxAgeDays: 0, stockoutRisk: 0.2 });
  const service = new AlertService(store);
  const { alerts } = await service.list({ limit: 10_000 });
  const keys = new ApiKeys(store);
  const keyOf = {} as Record<StreamRole, string>;
  for (const role of STREAM_ROLES) keyOf[role] = (await keys.create(role, `bench ${role}`, 'bench')).key;
  const setupSeconds = (Date.now() - started) / 1000;

  const app = createApp(store, kpiSettings(config), { ...apiOptions(config), keys, log: (l) => process.stderr.write(`${l}\n`) });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clients: StreamClient[] = [];
  for (let i = 0; i < CLIENTS; i += 20) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(20, CLIENTS - i) }, (_, j) => openStream(base, STREAM_ROLES[(i + j) % STREAM_ROLES.length]!, keyOf[STREAM_ROLES[(i + j) % STREAM_ROLES.length]!])))));
  }

  const sample = alerts.find((a) => a.subject.sku !== undefined) ?? alerts[0]!;
  const queries = [
    '/api/v1/alerts?limit=20',
    '/api/v1/alerts?status=open,acknowledged&limit=50',
    '/api/v1/alerts?kind=stockout_risk&limit=20',
    '/api/v1/alerts?severity=high&limit=20',
    '/api/v1/alerts?warehouse=WH1&limit=20',
    '/api/v1/alerts?limit=10&offset=10',
    `/api/v1/alerts?sku=${encodeURIComponent(sample.subject.sku ?? '')}&limit=20`,
    '/api/v1/alerts?status=resolved,dismissed&limit=20',
  ];

  // Alert events at a steady rate, through the service (as the CLI or another instance would make them).
  let made = 0;
  let actionErrors = 0;
  const assignees = new Map<string, string | null>(alerts.map((a) => [a.alert_id, a.assignee]));
  const live = new Set(alerts.filter((a) => a.status === 'open' || a.status === 'acknowledged').map((a) => a.alert_id));
  let acting = 0;
  const act = async (i: number) => {
    const a: Alert = alerts[i % alerts.length]!;
    acting++;
    try {
      if (i % 3 === 0 && live.has(a.alert_id)) {
        const to = assignees.get(a.alert_id) === 'maria' ? 'joe' : 'maria';
        assignees.set(a.alert_id, (await service.assign(a.alert_id, to, 'bench')).assignee);
      } else {
        await service.comment(a.alert_id, 'bench', `load comment ${i}`);
      }
      made++;
    } catch (e) {
      actionErrors++;
      process.stderr.write(`bench: action on ${a.alert_id} failed: ${(e as Error).message}\n`);
    } finally {
      acting--;
    }
  };

  const latencies: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const request = async (n: number) => {
    const role = STREAM_ROLES[n % STREAM_ROLES.length]!;
    const t0 = performance.now();
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      const res = await fetch(base + queries[n % queries.length]!, { headers: { Authorization: `Bearer ${keyOf[role]}` } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
    } catch {
      errors++;
    } finally {
      inFlight--;
      latencies.push(performance.now() - t0);
    }
  };

  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let sent = 0;
  let actions = 0;
  while (performance.now() < end) {
    const elapsed = performance.now() - t0;
    for (const due = Math.floor((elapsed / 1000) * RATE); sent < due; sent++) void request(sent);
    for (const due = Math.floor((elapsed / 1000) * EVENTS_PER_SECOND); actions < due; actions++) void act(actions);
    await sleep(5);
  }
  while (inFlight > 0 || acting > 0) await sleep(10);
  const loadSeconds = (performance.now() - t0) / 1000;

  // Every event written after the first client connected, and whose alert each role sees.
  const first = Math.min(...clients.map((c) => c.start));
  const trail = await new AlertStore(store).eventsBetween(first, Number.MAX_SAFE_INTEGER, 10_000_000);
  const owner = new Map((await service.list({ limit: 10_000 })).alerts.map((a) => [a.alert_id, a.owner_role]));
  const owed = (c: StreamClient) => trail.filter((e) => e.seq > c.start && (c.role === 'executive' || owner.get(e.alert_id) === c.role)).map((e) => e.seq);
  // The stream runs about a second behind the trail: give it time to deliver the last events.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && clients.some((c) => !c.ended && c.seqs.length < owed(c).length)) await sleep(200);

  let missing = 0;
  let duplicates = 0;
  let foreign = 0;
  let outOfOrder = 0;
  const received: number[] = [];
  const expected = Object.fromEntries(STREAM_ROLES.map((r) => [r, 0])) as Record<StreamRole, number>;
  for (const c of clients) {
    const want = owed(c);
    expected[c.role] = want.length;
    const got = new Set(c.seqs);
    duplicates += c.seqs.length - got.size;
    missing += want.filter((s) => !got.has(s)).length;
    foreign += c.alerts.filter((id) => c.role !== 'executive' && owner.get(id) !== c.role).length;
    outOfOrder += c.seqs.filter((s, i) => i > 0 && s <= c.seqs[i - 1]!).length;
    received.push(c.seqs.length);
  }
  const disconnected = clients.filter((c) => c.ended).length;
  const exposition = await (await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${(await keys.create('admin', 'bench metrics', 'bench')).key}` } })).text();
  const serverDropped = Number(/^ledgerline_alert_stream_dropped_total (\d+)$/m.exec(exposition)?.[1] ?? NaN);

  for (const c of clients) c.abort.abort();
  app.closeStreams();
  await new Promise((resolve) => server.close(resolve));
  await store.close();

  latencies.sort((a, b) => a - b);
  const ok = missing === 0 && duplicates === 0 && foreign === 0 && outOfOrder === 0 && disconnected === 0 && errors === 0;
  console.log(
    JSON.stringify({
      seconds: Math.round(loadSeconds * 10) / 10,
      setup_seconds: Math.round(setupSeconds),
      alerts: alerts.length,
      target_rate: RATE,
      requests: latencies.length,
      rate: Math.round(latencies.length / loadSeconds),
      errors,
      p50_ms: ms(percentile(latencies, 50)),
      p95_ms: ms(percentile(latencies, 95)),
      p99_ms: ms(percentile(latencies, 99)),
      max_ms: ms(latencies.at(-1) ?? NaN),
      max_in_flight: maxInFlight,
      sse_clients: clients.length,
      events_sent: made,
      event_errors: actionErrors,
      events_owed: expected,
      events_received_min: Math.min(...received),
      events_received_max: Math.max(...received),
      dropped: missing,
      duplicates,
      out_of_order: outOfOrder,
      foreign,
      clients_disconnected: disconnected,
      server_dropped_clients: serverDropped,
      ok,
    }),
  );
  if (!ok) process.exitCode = 1;
}

await main();
