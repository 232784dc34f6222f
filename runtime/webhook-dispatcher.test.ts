import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertKind } from '../alerts/alert.js';
import { AlertService } from '../alerts/alert-service.js';
import { openStore } from '../cli/open-store.js';
import { ConfigError } from '../config/config.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { Checkpoints } from '../store/checkpoints.js';
import { writeTestAlert } from '../testing/alert-fixtures.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { CHECKPOINT_PREFIX, deliveryLog, endpointId, WebhookDispatcher, webhookSettings, type DispatcherOptions, type WebhookPayload, type WebhookSettings } from './webhook-dispatcher.js';
import { verifySignature } from './webhook-signature.js';

const SECRET = 'test-secret-0123456789abcdef-do-not-log';
/** Short everything: the behaviour under test is the same at 1 s, only slower. */
const FAST: DispatcherOptions = { pollMs: 30, settleMs: 50, backoffBaseMs: 100, backoffMaxMs: 400 };

type Reply = 'ok' | 'error' | 'hang' | 'reset';

interface Received {
  eventId: string;
  attempt: number;
  payload: WebhookPayload;
  verified: boolean;
  at: number;
}

/** A receiver on 127.0.0.1 that checks every signature and answers the n-th request (1-based) as `reply(n)` says. */
async function receiver(reply: (n: number) => Reply = () => 'ok', port = 0): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const check = verifySignature(SECRET, req.headers['x-ledgerline-signature'] as string | undefined, body);
      received.push({
        eventId: String(req.headers['x-ledgerline-event-id']),
        attempt: Number(req.headers['x-ledgerline-attempt']),
        payload: JSON.parse(body.toString('utf8')) as WebhookPayload,
        verified: check.ok,
        at: Date.now(),
      });
      const what = reply(++n);
      if (what === 'hang') return; // never answers: the sender's timeout or stop must end it
      if (what === 'reset') return void req.socket.destroy();
      res.writeHead(!check.ok ? 401 : what === 'ok' ? 204 : 500).end();
    });
  });
  server.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/hooks/ledgerline?token=query-token-not-logged`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (until the test starts a receiver there). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const settings = (urls: string[], extra: Partial<WebhookSettings> = {}): WebhookSettings => ({ urls, secret: SECRET, kinds: undefined, timeoutMs: 2000, maxAttempts: 5, ...extra });

describe('webhook dispatcher', () => {
  let store: ChdbStore;
  let service: AlertService;
  const logs: string[] = [];
  const report = (l: string) => logs.push(l);
  let keys = 0;

  /** Opens a new alert through the alert store (an `opened` event), as the engine does. */
  async function openAlert(kind: AlertKind = 'stockout_risk'): Promise<Alert> {
    return writeTestAlert(store, { owner_role: 'buyer', kind, key: `acme/SKU-${++keys}@WH1`, severity: 'high', sku: `SKU-${keys}`, warehouse: 'WH1' });
  }

  /** The seqs of the events of `alertIds`, in order. */
  async function seqsOf(alertIds: string[]): Promise<string[]> {
    const rows = await store.query<{ seq: string }>('SELECT toString(seq) AS seq FROM alert_events WHERE alert_id IN {ids:Array(String)} ORDER BY seq', { ids: alertIds });
    return rows.map((r) => r.seq);
  }

  beforeAll(async () => {
    store = await openStore(testConfig(), join(tempDir('webhooks'), 'data'));
    service = new AlertService(store);
  });

  afterAll(async () => {
    // No test may have written the secret, the signature key material or the URL's token anywhere a person reads.
    const log = logs.join('\n');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('query-token-not-logged');
    expect(log).not.toMatch(/v1=[0-9a-f]{64}/);
    const rows = JSON.stringify(await deliveryLog(store, { limit: 100_000 }));
    expect(rows).not.toContain(SECRET);
    expect(rows).not.toContain('query-token-not-logged');
    await store.close();
  });

  it('sends every event once, in order, signed, from the time the endpoint is added; honours the kinds filter', async () => {
    const before = await openAlert(); // already there when the endpoint is added: not sent
    const all = await receiver();
    const onlyNegative = await receiver();
    const dispatcher = new WebhookDispatcher(store, settings([all.url]), { ...FAST, report }).start();
    const filtered = new WebhookDispatcher(store, settings([onlyNegative.url], { kinds: ['negative_stock'] }), { ...FAST, report }).start();
    try {
      await waitFor('the endpoints to start', async () => (await new Checkpoints(store).withPrefix(CHECKPOINT_PREFIX)).size >= 4);
      const a = await openAlert();
      await service.acknowledge(a.alert_id, 'maria', 'looking');
      await service.comment(a.alert_id, 'maria', 'ordered 40 more');
      const b = await openAlert('negative_stock');
      await service.resolve(a.alert_id, 'maria', 'received');
      const expected = await seqsOf([a.alert_id, b.alert_id]);
      expect(expected).toHaveLength(5);
      await waitFor('5 events at the first endpoint', () => all.received.length >= 5);
      await waitFor('1 event at the filtered endpoint', () => onlyNegative.received.length >= 1);
      // Nothing more arrives: each event exactly once.
      await new Promise((r) => setTimeout(r, 400));
      expect(all.received.map((r) => r.eventId)).toEqual(expected);
      expect(all.received.every((r) => r.verified && r.attempt === 1)).toBe(true);
      expect(all.received.map((r) => r.payload.type)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.commented', 'alert.opened', 'alert.resolved']);
      expect(all.received.some((r) => r.payload.alert?.id === before.alert_id)).toBe(false);
      const first = all.received[0]!.payload;
      expect(first.event_id).toBe(Number(expected[0]));
      expect(first.alert).toMatchObject({ id: a.alert_id, kind: 'stockout_risk', severity: 'high', owner_role: 'buyer', subject: { sku: a.subject.sku }, evidence: { test: true } });
      expect(first.alert?.first_seen).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(all.received[2]!.payload).toMatchObject({ actor: 'maria', details: { text: 'ordered 40 more' }, to_status: 'acknowledged' });
      expect(onlyNegative.received.map((r) => r.payload.alert?.id)).toEqual([b.alert_id]);

      const log = await deliveryLog(store, { endpoint: endpointId(all.url) });
      expect(log.map((r) => [String(r.seq), r.attempt, r.outcome, r.status_code]).reverse()).toEqual(expected.map((s) => [s, 1, 'delivered', 204]));
      expect(log[0]!.url).toBe(new URL(all.url).origin + '/hooks/ledgerline');
      await waitFor('the position to reach the last event', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(all.url)}`)) === expected.at(-1));
    } finally {
      await dispatcher.stop();
      await filtered.stop();
      await all.close();
      await onlyNegative.close();
    }
  });

  it('retries a 500, a timeout and a reset connection with growing delays, then delivers', async () => {
    const replies: Reply[] = ['error', 'hang', 'reset'];
    const flaky = await receiver((n) => replies[n - 1] ?? 'ok');
    const dispatcher = new WebhookDispatcher(store, settings([flaky.url], { timeoutMs: 300 }), { ...FAST, report }).start();
    try {
      await waitFor('the endpoint to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(flaky.url)}`)) !== undefined);
      const a = await openAlert();
      const [seq] = await seqsOf([a.alert_id]);
      await waitFor('the 4th attempt', () => flaky.received.length >= 4);
      await waitFor('the delivered row', async () => (await deliveryLog(store, { endpoint: endpointId(flaky.url) })).some((r) => r.outcome === 'delivered'));
      expect(flaky.received.map((r) => [r.eventId, r.attempt, r.verified])).toEqual([1, 2, 3, 4].map((n) => [seq, n, true]));
      const log = (await deliveryLog(store, { endpoint: endpointId(flaky.url) })).reverse();
      expect(log.map((r) => [r.attempt, r.outcome, r.status_code])).toEqual([
        [1, 'retrying', 500],
        [2, 'retrying', 0],
        [3, 'retrying', 0],
        [4, 'delivered', 204],
      ]);
      expect(log[0]!.error).toBe('HTTP 500');
      expect(log[1]!.error).toMatch(/no answer within 0.3 s/);
      expect(log[1]!.duration_ms).toBeGreaterThanOrEqual(250);
      expect(log[2]!.error).not.toBe('');
      // Backoff: 100, 200, 400 ms (±20 %) between the end of one attempt and the start of the next;
      // the bounds leave room for when the receiver sees each request.
      const starts = flaky.received.map((r) => r.at);
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(60);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(300 + 120); // the 300 ms timeout, then ≥ 160 ms
      expect(starts[3]! - starts[2]!).toBeGreaterThanOrEqual(280); // ≥ 320 ms: doubled twice
      expect(logs.some((l) => l.includes(`event ${seq}`) && l.includes('delivered at attempt 4'))).toBe(true);
    } finally {
      await dispatcher.stop();
      await flaky.close();
    }
  });

  it('retries while the connection is refused and delivers once the receiver is up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks/ledgerline?token=query-token-not-logged`;
    const dispatcher = new WebhookDispatcher(store, settings([url], { maxAttempts: 10 }), { ...FAST, report }).start();
    let late: Awaited<ReturnType<typeof receiver>> | undefined;
    try {
      await waitFor('the endpoint to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(url)}`)) !== undefined);
      const a = await openAlert();
      await waitFor('two refused attempts', async () => (await deliveryLog(store, { endpoint: endpointId(url) })).length >= 2);
      const refused = await deliveryLog(store, { endpoint: endpointId(url) });
      expect(refused.every((r) => r.outcome === 'retrying' && r.status_code === 0 && /ECONNREFUSED/.test(r.error))).toBe(true);
      late = await receiver(() => 'ok', port);
      await waitFor('the event at the receiver', () => late!.received.length >= 1);
      expect(late.received[0]!.payload.alert?.id).toBe(a.alert_id);
      expect(late.received[0]!.verified).toBe(true);
      expect(late.received[0]!.attempt).toBeGreaterThanOrEqual(3);
    } finally {
      await dispatcher.stop();
      await late?.close();
    }
  });

  it('marks an event failed after the last attempt and goes on with the next, while other endpoints are not held up', async () => {
    const down = await receiver(() => 'error');
    const healthy = await receiver();
    const dispatcher = new WebhookDispatcher(store, settings([down.url, healthy.url], { maxAttempts: 3 }), { ...FAST, backoffBaseMs: 200, report }).start();
    try {
      await waitFor('the endpoints to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(down.url)}`)) !== undefined && (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(healthy.url)}`)) !== undefined);
      const a = await openAlert();
      const b = await openAlert();
      const seqs = await seqsOf([a.alert_id, b.alert_id]);
      await waitFor('both events at the healthy endpoint', () => healthy.received.length >= 2);
      await waitFor('6 attempts at the failing endpoint', () => down.received.length >= 6);
      // The healthy endpoint had both before the failing one made its last attempt at the first.
      expect(healthy.received[1]!.at).toBeLessThan(down.received[2]!.at);
      await waitFor('both failures recorded', async () => (await deliveryLog(store, { endpoint: endpointId(down.url) })).filter((r) => r.outcome === 'failed').length === 2);
      expect(down.received.map((r) => [r.eventId, r.attempt])).toEqual(seqs.flatMap((s) => [1, 2, 3].map((n) => [s, n])));
      const log = (await deliveryLog(store, { endpoint: endpointId(down.url) })).reverse();
      expect(log.map((r) => [String(r.seq), r.attempt, r.outcome])).toEqual(seqs.flatMap((s) => [[s, 1, 'retrying'], [s, 2, 'retrying'], [s, 3, 'failed']]));
      expect(logs.filter((l) => l.includes('failed after 3 attempt(s)') && l.includes('moving on'))).toHaveLength(2);
      await waitFor('the position past both', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(down.url)}`)) === seqs[1]);
      await new Promise((r) => setTimeout(r, 300));
      expect(down.received).toHaveLength(6); // given up means given up
    } finally {
      await dispatcher.stop();
      await down.close();
      await healthy.close();
    }
  });

  it('resumes after a restart where it stopped: nothing lost, nothing sent twice', async () => {
    const target = await receiver();
    const url = target.url;
    const first = new WebhookDispatcher(store, settings([url]), { ...FAST, report }).start();
    await waitFor('the endpoint to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(url)}`)) !== undefined);
    const a = await openAlert();
    await service.comment(a.alert_id, 'maria', 'one');
    const [, secondSeq] = await seqsOf([a.alert_id]);
    // Received is not yet done: stopped between the receiver reading a request and the dispatcher
    // reading its answer, the attempt is aborted and rightly sent again (tested below).
    await waitFor('both events delivered', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(url)}`)) === secondSeq);
    await first.stop();
    expect(target.received).toHaveLength(2);

    // Written while no dispatcher runs.
    await service.comment(a.alert_id, 'maria', 'two');
    await service.comment(a.alert_id, 'maria', 'three');
    const second = new WebhookDispatcher(store, settings([url]), { ...FAST, report }).start();
    try {
      await waitFor('4 events', () => target.received.length >= 4);
      await new Promise((r) => setTimeout(r, 300));
      const seqs = await seqsOf([a.alert_id]);
      expect(target.received.map((r) => r.eventId)).toEqual(seqs);
    } finally {
      await second.stop();
      await target.close();
    }
  });

  it('still sends an event whose write landed after later ones had been sent (within the lookback)', async () => {
    const target = await receiver();
    const dispatcher = new WebhookDispatcher(store, settings([target.url]), { ...FAST, report }).start();
    try {
      await waitFor('the endpoint to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(target.url)}`)) !== undefined);
      const a = await openAlert();
      await waitFor('the first event', () => target.received.length >= 1);
      const [sent] = await seqsOf([a.alert_id]);
      await waitFor('the position at it', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(target.url)}`)) === sent);
      // A seq taken before the one already sent (a slow evaluation's write), landing only now.
      const lateSeq = Number(sent) - 1000;
      await store.insert('alert_events', [{ alert_id: a.alert_id, kind: a.kind, seq: lateSeq, at: new Date().toISOString(), actor: 'ledgerline', action: 'updated', from_status: 'open', to_status: 'open', details: '{"changed":["risk"]}' }]);
      await waitFor('the late event', () => target.received.length >= 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(target.received.map((r) => r.eventId)).toEqual([sent, String(lateSeq)]);
    } finally {
      await dispatcher.stop();
      await target.close();
    }
  });

  it('stops without waiting for a hanging endpoint, and the restarted dispatcher sends that event again', async () => {
    let hang = true;
    const slow = await receiver(() => (hang ? 'hang' : 'ok'));
    const first = new WebhookDispatcher(store, settings([slow.url], { timeoutMs: 60_000 }), { ...FAST, report }).start();
    await waitFor('the endpoint to start', async () => (await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(slow.url)}`)) !== undefined);
    const a = await openAlert();
    const [seq] = await seqsOf([a.alert_id]);
    await waitFor('the request in flight', () => slow.received.length >= 1);
    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    const aborted = await deliveryLog(store, { endpoint: endpointId(slow.url) });
    expect(aborted.map((r) => [String(r.seq), r.attempt, r.outcome])).toEqual([[seq, 1, 'aborted']]);
    expect(await new Checkpoints(store).get(`${CHECKPOINT_PREFIX}${endpointId(slow.url)}`)).not.toBe(seq);

    hang = false;
    const second = new WebhookDispatcher(store, settings([slow.url]), { ...FAST, report }).start();
    try {
      await waitFor('the event again', () => slow.received.length >= 2);
      expect(slow.received.map((r) => r.eventId)).toEqual([seq, seq]);
      await waitFor('the delivered row', async () => (await deliveryLog(store, { endpoint: endpointId(slow.url) })).some((r) => r.outcome === 'delivered'));
    } finally {
      await second.stop();
      await slow.close();
    }
  });
});

describe('webhook settings', () => {
  const base = {
    LEDGERLINE_WEBHOOK_URLS: '',
    LEDGERLINE_WEBHOOK_SECRET: '',
    LEDGERLINE_WEBHOOK_KINDS: '',
    LEDGERLINE_WEBHOOK_TIMEOUT_SECONDS: 10,
    LEDGERLINE_WEBHOOK_MAX_ATTEMPTS: 8,
  };

  it('are off without URLs, and read from the config', () => {
    expect(webhookSettings(testConfig()).urls).toEqual([]);
    const s = webhookSettings({ ...base, LEDGERLINE_WEBHOOK_URLS: 'https://a.example/h, http://127.0.0.1:9000/x,https://a.example/h', LEDGERLINE_WEBHOOK_SECRET: SECRET, LEDGERLINE_WEBHOOK_KINDS: 'stockout_risk,late_supplier' });
    expect(s).toEqual({ urls: ['https://a.example/h', 'http://127.0.0.1:9000/x'], secret: SECRET, kinds: ['stockout_risk', 'late_supplier'], timeoutMs: 10_000, maxAttempts: 8 });
  });

  it('require the secret when URLs are set, and name every bad setting', () => {
    const noSecret = () => webhookSettings({ ...base, LEDGERLINE_WEBHOOK_URLS: 'https://a.example/h' });
    expect(noSecret).toThrow(ConfigError);
    expect(noSecret).toThrow(/LEDGERLINE_WEBHOOK_SECRET is required when LEDGERLINE_WEBHOOK_URLS is set/);
    expect(() => webhookSettings({ ...base, LEDGERLINE_WEBHOOK_URLS: 'https://a.example/h', LEDGERLINE_WEBHOOK_SECRET: 'short' })).toThrow(/too short \(5 characters/);
    const bad = () => webhookSettings({ ...base, LEDGERLINE_WEBHOOK_URLS: 'ftp://a.example/h,nonsense', LEDGERLINE_WEBHOOK_SECRET: SECRET, LEDGERLINE_WEBHOOK_KINDS: 'stockout,late_supplier' });
    expect(bad).toThrow(/"ftp:\/\/a.example\/h" is not an http\(s\) URL/);
    expect(bad).toThrow(/"nonsense" is not an http\(s\) URL/);
    expect(bad).toThrow(/LEDGERLINE_WEBHOOK_KINDS: unknown alert kind\(s\) stockout \(kinds: /);
  });
});

describe('webhook signature', () => {
  it('verifies what was signed, within the tolerance, and nothing else', async () => {
    const { signatureHeader } = await import('./webhook-signature.js');
    const body = '{"event_id":1}';
    const header = signatureHeader(SECRET, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, body, { now: 1_700_000_100 })).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifySignature(SECRET, header, Buffer.from(body), { now: 1_700_000_000 }).ok).toBe(true);
    expect(verifySignature('another-secret-0123456789', header, body, { now: 1_700_000_000 })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifySignature(SECRET, header, '{"event_id":2}', { now: 1_700_000_000 }).ok).toBe(false);
    expect(verifySignature(SECRET, header, body, { now: 1_700_000_301 })).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 300 s/) });
    // The timestamp is signed: moving it forward breaks the signature.
    expect(verifySignature(SECRET, header.replace('t=1700000000', 't=1700000300'), body, { now: 1_700_000_300 }).ok).toBe(false);
    expect(verifySignature(SECRET, undefined, body)).toMatchObject({ ok: false, reason: expect.stringMatching(/no X-Ledgerline-Signature/) });
    expect(verifySignature(SECRET, 'v1=abc', body)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) });
  });
});
