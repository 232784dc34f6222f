/**
 * The alert endpoints over a generated distributor (alerts from the real rules): the list against
 * the store's own query, per role; the lifecycle over HTTP with its status codes; the live stream
 * (role filtering, resuming with Last-Event-ID, a slow client dropped without costing the others an
 * event, shutdown).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertEvent } from '../alerts/alert.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { AlertQuery } from '../alerts/alert-store.js';
import { DEFAULT_ALERT_SETTINGS } from '../alerts/settings.js';
import { openStore } from '../cli/open-store.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { kpiSettings } from '../kpis/kpi.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import { scoreStockouts } from '../runtime/scoring-job.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { runInputs, tempDir, testConfig } from '../testing/harness.js';
import { createApp, type ApiApp, type ApiOptions } from './app.js';
import { ApiKeys } from './keys.js';
import type { Role } from './routes.js';
import { SseReader, type SseEvent } from './sse-reader.js';

let store: ChdbStore;
let service: AlertService;
let base: string;
const keyOf = {} as Record<Role, string>;
const keyIdOf = {} as Record<Role, string>;
const stops: Array<() => Promise<void>> = [];

async function serve(options: Partial<ApiOptions>): Promise<{ base: string; app: ApiApp; server: Server }> {
  const app = createApp(store, kpiSettings(testConfig()), { auth: 'required', host: '127.0.0.1', ratePerSecond: 0, keys: new ApiKeys(store), log: () => {}, ...options });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stops.push(async () => {
    app.closeStreams();
    await new Promise((resolve) => server.close(resolve));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, app, server };
}

const auth = (role: Role, extra: Record<string, string> = {}) => ({ headers: { Authorization: `Bearer ${keyOf[role]}`, ...extra } });
const get = async <T = Record<string, unknown>>(role: Role, path: string, at = base) => {
  const res = await fetch(at + path, auth(role));
  return { status: res.status, body: (await res.json()) as T };
};
const post = async <T = Record<string, unknown>>(role: Role, path: string, body?: unknown) => {
  const res = await fetch(base + path, { method: 'POST', ...(body === undefined ? auth(role) : { ...auth(role, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as T };
};

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A stream client reading in the background: what it received, and the position it would resume from. */
async function stream(role: Role, o: { lastEventId?: string; query?: string; at?: string } = {}) {
  const abort = new AbortController();
  const res = await fetch(`${o.at ?? base}/api/v1/alerts/stream${o.query ?? ''}`, { signal: abort.signal, ...auth(role, o.lastEventId === undefined ? {} : { 'Last-Event-ID': o.lastEventId }) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = new SseReader();
  const events: SseEvent[] = [];
  let ended = false;
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body!) events.push(...reader.push(decoder.decode(chunk as Uint8Array, { stream: true })));
    } catch {
      // aborted
    }
    ended = true;
  })();
  await until('the connected line', () => reader.lastEventId !== '');
  const start = reader.lastEventId;
  return {
    events,
    start,
    reader,
    seqs: () => events.map((e) => Number(e.id)),
    ended: () => ended,
    close: () => abort.abort(),
  };
}

/** Every audit event in the store after `after`, in order. */
async function trailAfter(after: number): Promise<AlertEvent[]> {
  return new AlertStore(store).eventsBetween(after, Number.MAX_SAFE_INTEGER, 1_000_000);
}

let buyerAlerts: Alert[];
let financeAlerts: Alert[];

beforeAll(async () => {
  const dir = tempDir('api-alerts');
  await writeDataset({ seed: 1, days: 60, skus: 20, warehouses: 2, out: dir });
  const config = testConfig();
  store = await openStore(config, join(dir, 'data'));
  await runInputs(store, config, [join(dir, 'events.jsonl')]);
  await scoreStockouts(store);
  await evaluateAlerts(store, { ...DEFAULT_ALERT_SETTINGS, maxAgeDays: 0, stockoutRisk: 0.2 });
  service = new AlertService(store);
  const keys = new ApiKeys(store);
  for (const role of ['buyer', 'finance', 'executive', 'admin', 'data_scientist'] as const) {
    const { key, record } = await keys.create(role, `${role} key`, 'test');
    keyOf[role] = key;
    keyIdOf[role] = record.id;
  }
  // recentEvents 4: resumes from further back than that are read from the store.
  base = (await serve({ alerts: { pollMs: 50, settleMs: 150, heartbeatMs: 300, recentEvents: 4 } })).base;
  buyerAlerts = (await service.list({ owner_role: 'buyer', status: 'open', limit: 1000 })).alerts;
  financeAlerts = (await service.list({ owner_role: 'finance', status: 'open', limit: 1000 })).alerts;
}, 180_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await store?.close();
});

describe('GET /api/v1/alerts', () => {
  it('lists what the store lists, in its order, per role and filter, with paging', async () => {
    expect(buyerAlerts.length).toBeGreaterThanOrEqual(3);
    expect(financeAlerts.length).toBeGreaterThanOrEqual(3);
    const stockout = (await service.list({ kind: 'stockout_risk', limit: 1 })).alerts[0]!;
    const sinceAlert = (await service.list({ limit: 1000 })).alerts[5]!;
    const cases: Array<[string, AlertQuery]> = [
      ['', {}],
      ['kind=bill_mismatch', { kind: 'bill_mismatch' }],
      ['severity=high', { severity: 'high' }],
      ['status=open,acknowledged', { status: ['open', 'acknowledged'] }],
      [`sku=${stockout.subject.sku}&warehouse=${stockout.subject.warehouse}`, { sku: stockout.subject.sku, warehouse: stockout.subject.warehouse }],
      [`since=${sinceAlert.last_seen}`, { since: sinceAlert.last_seen }],
      ['limit=3&offset=2', { limit: 3, offset: 2 }],
      ['owner_role=finance', { owner_role: 'finance' }],
    ];
    for (const role of ['admin', 'executive', 'buyer', 'finance'] as const) {
      for (const [query, q] of cases) {
        if (query === 'owner_role=finance' && role === 'buyer') continue;
        const scoped: AlertQuery = { limit: 100, ...q, ...(role === 'buyer' || role === 'finance' ? { owner_role: role } : {}) };
        const want = await service.list(scoped);
        const { status, body } = await get<{ total: number; offset: number; limit: number; alerts: Alert[] }>(role, `/api/v1/alerts?${query}`);
        expect(status, `${role} ${query}`).toBe(200);
        expect(body.total, `${role} ${query}`).toBe(want.total);
        expect(body.alerts.map((a) => a.alert_id), `${role} ${query}`).toEqual(want.alerts.map((a) => a.alert_id));
        expect(body).toMatchObject({ offset: scoped.offset ?? 0, limit: scoped.limit });
      }
    }
    const all = await get<{ total: number; alerts: Alert[] }>('admin', '/api/v1/alerts?limit=1000');
    expect(new Set(all.body.alerts.map((a) => a.owner_role))).toEqual(new Set(['buyer', 'finance']));
    expect(all.body.alerts[0]!.evidence).toBeTypeOf('object');
  });

  it('refuses a bad status list, another role\'s owner_role, and roles without alerts', async () => {
    const bad = await get<{ error: string }>('buyer', '/api/v1/alerts?status=open,closed');
    expect(bad).toEqual({ status: 400, body: { error: 'status "closed" is not one of open, acknowledged, resolved, dismissed (several: comma-separated, e.g. open,acknowledged)' } });
    expect((await get('finance', '/api/v1/alerts?owner_role=buyer')).status).toBe(403);
    expect((await get('data_scientist', '/api/v1/alerts')).status).toBe(403);
  });
});

describe('GET /api/v1/alerts/:id and the actions', () => {
  it('gives one alert with its evidence and history; 404 for none or another role\'s, 400 for a malformed id', async () => {
    const a = buyerAlerts[0]!;
    const { status, body } = await get<Alert & { history: AlertEvent[] }>('buyer', `/api/v1/alerts/${a.alert_id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ alert_id: a.alert_id, owner_role: 'buyer', evidence: a.evidence });
    expect(body.history[0]).toMatchObject({ action: 'opened', actor: 'ledgerline', to_status: 'open' });
    expect((await get('executive', `/api/v1/alerts/${a.alert_id}`)).status).toBe(200);
    expect(await get('finance', `/api/v1/alerts/${a.alert_id}`)).toEqual({ status: 404, body: { error: `no alert ${a.alert_id} among the alerts of the finance role: GET /api/v1/alerts lists them`, code: 'not_found' } });
    const missing = await get('admin', '/api/v1/alerts/stockout_risk-0000000000000000');
    expect(missing).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await get('admin', '/api/v1/alerts/not-an-id')).toMatchObject({ status: 400, body: { code: 'invalid_request', error: expect.stringMatching(/is not an alert id/) } });
  });

  it('takes an alert through ack → assign → resolve → comment, recorded under the key, refusing what does not follow with 409', async () => {
    const id = buyerAlerts[0]!.alert_id;
    const actor = `key:${keyIdOf.buyer}`;
    // No body at all: curl -X POST …/ack.
    const ack = await post<Alert>('buyer', `/api/v1/alerts/${id}/ack`);
    expect(ack).toMatchObject({ status: 200, body: { status: 'acknowledged', acknowledged_by: actor } });
    const again = await post<{ error: string; code: string }>('buyer', `/api/v1/alerts/${id}/ack`, { note: 'twice' });
    expect(again).toMatchObject({ status: 409, body: { code: 'invalid_transition', error: expect.stringMatching(/already acknowledged \(by key:llk_/) } });
    expect(await post('buyer', `/api/v1/alerts/${id}/assign`, { assignee: 'maria' })).toMatchObject({ status: 200, body: { assignee: 'maria', status: 'acknowledged' } });
    expect(await post('buyer', `/api/v1/alerts/${id}/assign`, { assignee: 'maria' })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/already assigned to maria/) } });
    expect(await post('buyer', `/api/v1/alerts/${id}/resolve`, { resolution: 'PO 4711 placed' })).toMatchObject({ status: 200, body: { status: 'resolved', resolved_by: actor, resolution: 'PO 4711 placed' } });
    // Served at once by the list of this process, not after its next poll.
    const listed = await get<{ alerts: Alert[] }>('buyer', '/api/v1/alerts?status=resolved&limit=1000');
    expect(listed.body.alerts.find((a) => a.alert_id === id)).toMatchObject({ status: 'resolved' });
    expect(await post('buyer', `/api/v1/alerts/${id}/resolve`)).toMatchObject({ status: 409, body: { code: 'invalid_transition', error: expect.stringMatching(/it is resolved on .* by key:llk_/) } });
    expect(await post('buyer', `/api/v1/alerts/${id}/comment`, { text: 'vendor confirmed' })).toMatchObject({ status: 201, body: { action: 'commented', actor, details: { text: 'vendor confirmed' } } });
    const { body } = await get<{ history: AlertEvent[] }>('admin', `/api/v1/alerts/${id}`);
    expect(body.history.slice(-4).map((e) => [e.action, e.actor, e.to_status])).toEqual([
      ['acknowledged', actor, 'acknowledged'],
      ['assigned', actor, 'acknowledged'],
      ['resolved', actor, 'resolved'],
      ['commented', actor, 'resolved'],
    ]);
  });

  it('dismisses only with a reason (400 without one), and lets neither another role nor executive act', async () => {
    const id = financeAlerts[0]!.alert_id;
    expect(await post('finance', `/api/v1/alerts/${id}/dismiss`, {})).toMatchObject({ status: 400, body: { error: expect.stringMatching(/reason: is required/) } });
    expect(await post('finance', `/api/v1/alerts/${id}/dismiss`)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/needs a JSON body \(fields: reason\)/) } });
    expect(await post('finance', `/api/v1/alerts/${id}/dismiss`, { reason: '   ' })).toMatchObject({ status: 400, body: { code: 'invalid_request', error: expect.stringMatching(/reason must not be empty/) } });
    expect(await post('buyer', `/api/v1/alerts/${id}/dismiss`, { reason: 'not mine' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await post('executive', `/api/v1/alerts/${id}/ack`)).status).toBe(403);
    expect(await post('finance', `/api/v1/alerts/${id}/dismiss`, { reason: 'bill corrected by the vendor' })).toMatchObject({ status: 200, body: { status: 'dismissed', resolution: 'bill corrected by the vendor' } });
    expect(await post('admin', `/api/v1/alerts/${id}/ack`)).toMatchObject({ status: 409, body: { code: 'invalid_transition' } });
    expect(await get('finance', `/api/v1/alerts/${id}`)).toMatchObject({ body: { status: 'dismissed', resolved_by: `key:${keyIdOf.finance}` } });
  });
});

describe('GET /api/v1/alerts/stream', () => {
  it('sends each client the events after it connected, of the alerts its role sees, once, with the alert as it stands', async () => {
    const clients = { admin: await stream('admin'), executive: await stream('executive'), buyer: await stream('buyer'), finance: await stream('finance') };
    const [b, f] = [buyerAlerts[1]!.alert_id, financeAlerts[1]!.alert_id];
    expect((await post('buyer', `/api/v1/alerts/${b}/ack`, { note: 'on it' })).status).toBe(200);
    expect((await post('finance', `/api/v1/alerts/${f}/comment`, { text: 'asked the vendor' })).status).toBe(201);
    expect((await post('buyer', `/api/v1/alerts/${b}/comment`, { text: 'PO drafted' })).status).toBe(201);
    const trail = await trailAfter(Number(clients.admin.start));
    expect(trail.map((e) => [e.alert_id, e.action])).toEqual([[b, 'acknowledged'], [f, 'commented'], [b, 'commented']]);
    await until('every client has its events', () => clients.admin.events.length >= 3 && clients.buyer.events.length >= 2 && clients.finance.events.length >= 1 && clients.executive.events.length >= 3);
    await new Promise((r) => setTimeout(r, 400)); // a few more polls: nothing else may come
    for (const c of [clients.admin, clients.executive]) expect(c.seqs()).toEqual(trail.map((e) => e.seq));
    expect(clients.buyer.seqs()).toEqual(trail.filter((e) => e.alert_id === b).map((e) => e.seq));
    expect(clients.finance.seqs()).toEqual(trail.filter((e) => e.alert_id === f).map((e) => e.seq));
    const first = clients.buyer.events[0]!;
    expect(first.event).toBe('acknowledged');
    const data = JSON.parse(first.data) as AlertEvent & { alert: Alert };
    expect(data).toMatchObject({ alert_id: b, seq: Number(first.id), action: 'acknowledged', actor: `key:${keyIdOf.buyer}`, from_status: 'open', to_status: 'acknowledged', details: { note: 'on it' } });
    expect(data.alert).toMatchObject({ alert_id: b, status: 'acknowledged', owner_role: 'buyer' });
    // Heartbeats (every 300 ms here) carry the position, so a client with nothing of its own still resumes from now.
    await until('a heartbeat past the last event', () => Number(clients.finance.reader.lastEventId) > trail.at(-1)!.seq);
    for (const c of Object.values(clients)) c.close();
  });

  it('resumes with Last-Event-ID (or ?since) with exactly the events missed, from memory or from the store, then live', async () => {
    const [b, f] = [buyerAlerts[2]!.alert_id, financeAlerts[2]!.alert_id];
    const first = await stream('buyer');
    await post('buyer', `/api/v1/alerts/${b}/comment`, { text: 'one' });
    await until('the first event', () => first.events.length === 1);
    const last = first.events[0]!.id;
    first.close();
    for (const [role, id, text] of [['buyer', b, 'two'], ['finance', f, 'not for buyers'], ['buyer', b, 'three'], ['buyer', b, 'four']] as const) {
      expect((await post(role, `/api/v1/alerts/${id}/comment`, { text })).status).toBe(201);
    }
    const missed = (await trailAfter(Number(last))).filter((e) => e.alert_id === b);
    expect(missed.map((e) => e.details.text)).toEqual(['two', 'three', 'four']);
    // Wait for the feed to pass them, so the resume replays rather than receives them live.
    await new Promise((r) => setTimeout(r, 400));
    for (const how of [{ lastEventId: last }, { query: `?since=${last}` }, { lastEventId: last, query: '?since=1' }]) {
      const again = await stream('buyer', how);
      await until(`the missed events (${JSON.stringify(how)})`, () => again.events.length >= 3);
      expect(again.seqs(), JSON.stringify(how)).toEqual(missed.map((e) => e.seq));
      again.close();
    }
    const resumed = await stream('buyer', { lastEventId: last });
    await until('the missed events', () => resumed.events.length >= 3);
    await post('buyer', `/api/v1/alerts/${b}/comment`, { text: 'five' });
    await until('the live event', () => resumed.events.length >= 4);
    await new Promise((r) => setTimeout(r, 400));
    const texts = resumed.events.map((e) => (JSON.parse(e.data) as AlertEvent).details.text);
    expect(texts).toEqual(['two', 'three', 'four', 'five']);
    resumed.close();

    // From the beginning: the whole trail of the role's alerts, read from the store in pages.
    const everything = await stream('finance', { lastEventId: '0' });
    const financeIds = new Set((await service.list({ owner_role: 'finance', limit: 10_000 })).alerts.map((a) => a.alert_id));
    const want = (await trailAfter(0)).filter((e) => financeIds.has(e.alert_id)).map((e) => e.seq);
    expect(want.length).toBeGreaterThan(financeIds.size);
    await until('the whole finance trail', () => everything.events.length >= want.length);
    expect(everything.seqs()).toEqual(want);
    everything.close();
  });

  it('refuses a Last-Event-ID that is not an event id, and roles without alerts', async () => {
    const res = await fetch(`${base}/api/v1/alerts/stream`, auth('buyer', { 'Last-Event-ID': 'yesterday' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/Last-Event-ID must be the id of an event/);
    expect((await fetch(`${base}/api/v1/alerts/stream`, auth('data_scientist'))).status).toBe(403);
  });

  it('drops a client that does not read, without an event lost or repeated for the others; keeps streams out of the latency histogram', async () => {
    const small = await serve({ alerts: { pollMs: 20, settleMs: 50, maxBufferBytes: 128 * 1024, stallMs: 1000 } });
    const fast = await stream('admin', { at: small.base });
    // A client that sends its request and then never reads a byte.
    const slow = connect((small.server.address() as AddressInfo).port, '127.0.0.1');
    await once(slow, 'connect');
    slow.write(`GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keyOf.admin}\r\n\r\n`);
    slow.pause();
    const metric = async (name: string) => {
      const text = await (await fetch(`${small.base}/metrics`, auth('admin'))).text();
      const value = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1];
      if (value === undefined) throw new Error(`no ${name} in /metrics`);
      return Number(value);
    };
    await until('both clients connected', async () => (await metric('ledgerline_alert_stream_clients')) === 2);
    const alerts = new AlertStore(store);
    const target = buyerAlerts[0]!;
    let written = 0;
    // 48 kB events, 8 a batch: the kernel's socket buffers on loopback grow to megabytes before the
    // server's own buffer fills, so small events would take hundreds of rounds (minutes on a loaded
    // machine) to get the slow client dropped.
    const deadline = Date.now() + 60_000;
    while ((await metric('ledgerline_alert_stream_dropped_total')) === 0) {
      if (Date.now() > deadline) throw new Error(`the slow client was not dropped after ${written} events`);
      const at = new Date().toISOString();
      const batch = Array.from({ length: 8 }, (_, i): AlertEvent => ({
        alert_id: target.alert_id, kind: target.kind, seq: alerts.nextSeq(), at, actor: 'test', action: 'commented', from_status: 'open', to_status: 'open', details: { text: `load ${written + i}`, pad: 'x'.repeat(48_000) },
      }));
      await alerts.write([], batch);
      written += batch.length;
      await new Promise((r) => setTimeout(r, 25));
    }
    const trail = await trailAfter(Number(fast.start));
    expect(trail.length).toBeGreaterThanOrEqual(written);
    await until('the fast client has every event', () => fast.events.length >= trail.length, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(fast.seqs()).toEqual(trail.map((e) => e.seq));
    expect(await metric('ledgerline_alert_stream_clients')).toBe(1);
    const text = await (await fetch(`${small.base}/metrics`, auth('admin'))).text();
    expect(text).not.toMatch(/ledgerline_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/alerts\/stream",status="200"\}/);
    expect(text).toMatch(/ledgerline_http_request_duration_seconds_count\{method="GET",route="\/metrics",status="200"\}/);
    fast.close();
    slow.destroy();
  }, 120_000);

  it('ends every stream on closeStreams, so the server closes at once, and refuses new streams with 503', async () => {
    const { base: at, app, server } = await serve({ alerts: { pollMs: 50, settleMs: 50 } });
    const clients = await Promise.all([stream('admin', { at }), stream('buyer', { at }), stream('executive', { at })]);
    app.closeStreams();
    await until('the streams end', () => clients.every((c) => c.ended()), 3000);
    const refused = await fetch(`${at}/api/v1/alerts/stream`, auth('buyer'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    const started = Date.now();
    await new Promise((resolve) => server.close(resolve));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
