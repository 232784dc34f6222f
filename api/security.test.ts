/**
 * The security of every endpoint, generated from the route table: each role refused (403) where it
 * is not allowed and let through where it is, unknown, malformed and revoked keys refused (401),
 * bad parameters and bodies refused (400/413/415), rate limits (429), the loopback exception of
 * LEDGERLINE_API_AUTH=auto, and no key ever in a log line.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { goodEvents } from '../fixtures/malformed.js';
import { kpiSettings } from '../kpis/kpi.js';
import type { ChdbStore } from '../store/chdb-store.js';
import type { Store } from '../store/store.js';
import { runInputs, tempDir, testConfig } from '../testing/harness.js';
import { writeTestAlert } from '../testing/alert-fixtures.js';
import { createApp, type ApiOptions } from './app.js';
import { ApiKeys, redactSecrets } from './keys.js';
import { allowedRoles, ROLES, ROUTES, type Role, type Route } from './routes.js';
import { RateLimiter } from './security.js';

const routes: readonly Route[] = ROUTES;
const guarded = routes.filter((r) => r.access !== 'public');
const withBody = routes.filter((r) => r.body !== undefined);

let store: ChdbStore;
let keys: ApiKeys;
const keyOf = {} as Record<Role, string>;
let revokedKey: string;
const logLines: string[] = [];
const servers: Array<() => void> = [];
const MAX_BODY = 2048;

async function serve(store: Store, options: Partial<ApiOptions>): Promise<string> {
  const app = createApp(store, kpiSettings(testConfig()), { log: (l) => logLines.push(l), logLevel: 'debug', keys, ...options });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(() => {
    app.closeStreams();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The example body of a route in the table (every route with a body has one: the OpenAPI document shows it too). */
function example(route: Route): Record<string, unknown> {
  const first = (route.body as { examples?: Array<Record<string, unknown>> } | undefined)?.examples?.[0];
  if (first === undefined) throw new Error(`${route.id} takes a body but has no example in the route table`);
  return first;
}

/**
 * A request `role` must get through when the route allows it: required parameters and path
 * parameters filled in, the table's example body. Alert routes get a fresh open alert the role
 * owns (executive and admin: a buyer's), so that every action is one its status allows.
 */
async function sample(route: Route, role: Role = 'admin'): Promise<{ path: string; init: RequestInit }> {
  let path = route.path.replace(':name', 'otif_line');
  // DELETE really revokes: each call gets a key of its own to revoke.
  if (route.path.startsWith('/api/v1/keys/:id')) path = path.replace(':id', (await keys.create('buyer', 'to revoke', 'test')).record.id);
  if (route.path.startsWith('/api/v1/alerts/:id')) path = path.replace(':id', (await writeTestAlert(store, { owner_role: role === 'finance' ? 'finance' : 'buyer' })).alert_id);
  if (path.includes('/:')) throw new Error(`sample(): no value for the path parameters of ${route.path}: add one here`);
  const query = Object.entries(route.query ?? {})
    .filter(([, p]) => p.required)
    .map(([name]) => `${name}=SKU-0001`);
  const init: RequestInit = { method: route.method.toUpperCase() };
  if (route.body) {
    init.body = JSON.stringify(example(route));
    init.headers = { 'Content-Type': 'application/json' };
  }
  return { path: query.length ? `${path}?${query.join('&')}` : path, init };
}

function withKey(init: RequestInit, key: string, header: 'authorization' | 'x-api-key' = 'authorization'): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), ...(header === 'authorization' ? { Authorization: `Bearer ${key}` } : { 'X-API-Key': key }) } };
}

let base: string;

beforeAll(async () => {
  const dir = tempDir('api-security');
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, [...goodEvents(2).map((e) => JSON.stringify(e)), 'this line is not JSON'].join('\n'));
  const config = testConfig();
  store = await openStore(config, join(dir, 'data'));
  await runInputs(store, config, [file]);
  keys = new ApiKeys(store);
  for (const role of ROLES) keyOf[role] = (await keys.create(role, `${role} key`, 'test')).key;
  const revoked = await keys.create('admin', 'revoked admin', 'test');
  await keys.revoke(revoked.record.id, 'test');
  revokedKey = revoked.key;
  base = await serve(store, { auth: 'required', host: '127.0.0.1', ratePerSecond: 0, maxBodyBytes: MAX_BODY });
});

afterAll(async () => {
  for (const close of servers) close();
  await store?.close();
});

describe('roles, generated from the route table', () => {
  for (const route of guarded) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    it(`${label}: 403 naming the allowed roles for every other role, through for ${allowedRoles(route).join(', ')}`, async () => {
      for (const role of ROLES) {
        const { path, init } = await sample(route, role);
        const res = await fetch(base + path, withKey(init, keyOf[role]));
        if (allowedRoles(route).includes(role)) {
          expect(res.status, `${role} on ${label}`).toBeLessThan(300);
          // The stream would stay open.
          await res.body?.cancel();
        } else {
          expect(res.status, `${role} on ${label}`).toBe(403);
          const { error } = (await res.json()) as { error: string };
          expect(error).toContain(`role ${role} may not call ${label}`);
          for (const allowed of allowedRoles(route)) expect(error).toContain(allowed);
        }
      }
    });

    it(`${label}: 401 without a key, with an unknown, malformed or revoked key, or another scheme`, async () => {
      const { path, init } = await sample(route);
      const made = `llk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
      const almost = `${keyOf.admin.slice(0, -1)}${keyOf.admin.endsWith('A') ? 'B' : 'A'}`;
      const cases: Array<[string, RequestInit, RegExp]> = [
        ['no key', init, /needs an API key/],
        ['unknown key', withKey(init, made), /not valid/],
        ['admin key with its last character changed', withKey(init, almost), /not valid/],
        ['malformed key', withKey(init, 'hunter2'), /malformed/],
        ['revoked key', withKey(init, revokedKey), /was revoked at/],
        ['revoked key in X-API-Key', withKey(init, revokedKey, 'x-api-key'), /was revoked at/],
        ['basic auth', { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Basic ${Buffer.from(`x:${keyOf.admin}`).toString('base64')}` } }, /Bearer/],
      ];
      for (const [name, request, reason] of cases) {
        const res = await fetch(base + path, request);
        expect(res.status, `${name} on ${label}`).toBe(401);
        expect(res.headers.get('www-authenticate'), name).toMatch(/^Bearer/);
        const body = await res.text();
        expect(body, name).toMatch(reason);
        expect(body, name).not.toContain(keyOf.admin.slice(17));
      }
    });
  }

  it('serves the public routes without a key, and ignores a bad one there', async () => {
    for (const route of routes.filter((r) => r.access === 'public' && r.method === 'get')) {
      expect((await fetch(base + route.path)).status, route.path).toBe(200);
      expect((await fetch(base + route.path, { headers: { Authorization: 'Bearer nonsense' } })).status, route.path).toBe(200);
    }
  });

  it('accepts a key in X-API-Key as in Authorization', async () => {
    expect((await fetch(`${base}/api/v1/kpis`, withKey({}, keyOf.executive, 'x-api-key'))).status).toBe(200);
  });

  it('refuses a key from the moment it is revoked through the API', async () => {
    const { key, record } = await keys.create('executive', 'short-lived', 'test');
    expect((await fetch(`${base}/api/v1/kpis`, withKey({}, key))).status).toBe(200);
    const revoke = await fetch(`${base}/api/v1/keys/${record.id}`, withKey({ method: 'DELETE' }, keyOf.admin));
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toMatchObject({ id: record.id, revoked_by: expect.stringMatching(/^key:llk_/) });
    expect((await fetch(`${base}/api/v1/kpis`, withKey({}, key))).status).toBe(401);
    expect((await fetch(`${base}/api/v1/keys/llk_000000000000`, withKey({ method: 'DELETE' }, keyOf.admin))).status).toBe(404);
  });

  it('creates a key through the API that works at once with its role, and lists keys without secrets', async () => {
    const res = await fetch(`${base}/api/v1/keys`, withKey({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'finance', name: 'finance team' }) }, keyOf.admin));
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (await res.json()) as { id: string; key: string; role: string; created_by: string };
    expect(created).toMatchObject({ role: 'finance', created_by: expect.stringMatching(/^key:llk_/) });
    expect((await fetch(`${base}/api/v1/anomalies`, withKey({}, created.key))).status).toBe(200);
    expect((await fetch(`${base}/api/v1/ledger`, withKey({}, created.key))).status).toBe(403);
    const listed = await (await fetch(`${base}/api/v1/keys`, withKey({}, keyOf.admin))).text();
    expect(listed).toContain(created.id);
    for (const secret of [created.key, ...Object.values(keyOf)]) expect(listed).not.toContain(secret.slice(17));
    expect(listed).not.toMatch(/"hash"/);
  });
});

describe('alert ownership, generated from the route table', () => {
  const alertRoutes = guarded.filter((r) => r.path.startsWith('/api/v1/alerts/:id'));
  it('has alert routes to check', () => expect(alertRoutes.length).toBeGreaterThanOrEqual(6));
  for (const route of alertRoutes) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    it(`${label}: buyer and finance get 404 on an alert the other role owns, and the alert is left as it was`, async () => {
      for (const [role, other] of [['buyer', 'finance'], ['finance', 'buyer']] as const) {
        const alert = await writeTestAlert(store, { owner_role: other });
        const { init } = await sample(route, role);
        const res = await fetch(base + route.path.replace(':id', alert.alert_id), withKey(init, keyOf[role]));
        expect(res.status, `${role} on ${other}'s alert`).toBe(404);
        expect(await res.json()).toEqual({ error: `no alert ${alert.alert_id} among the alerts of the ${role} role: GET /api/v1/alerts lists them`, code: 'not_found' });
        const after = await fetch(`${base}/api/v1/alerts/${alert.alert_id}`, withKey({}, keyOf.admin));
        expect(((await after.json()) as { history: unknown[]; status: string }), label).toMatchObject({ status: 'open', history: [expect.objectContaining({ action: 'opened' })] });
      }
    });
  }

  it('GET /api/v1/alerts: buyer and finance list only their own alerts, refuse another owner_role with 403; executive and admin list all', async () => {
    const mine = { buyer: await writeTestAlert(store, { owner_role: 'buyer' }), finance: await writeTestAlert(store, { owner_role: 'finance' }), admin: await writeTestAlert(store, { owner_role: 'admin' }) };
    const list = async (role: Role, query = '') => {
      const res = await fetch(`${base}/api/v1/alerts?limit=1000${query}`, withKey({}, keyOf[role]));
      return { status: res.status, body: (await res.json()) as { total: number; alerts: Array<{ alert_id: string; owner_role: string }>; error?: string } };
    };
    // The list is served from the process's copy of the alerts table, which reads rows written by others at its next poll.
    await expect.poll(async () => (await list('admin')).body.alerts.map((a) => a.alert_id), { timeout: 5000 }).toEqual(expect.arrayContaining(Object.values(mine).map((a) => a.alert_id)));
    for (const role of ['buyer', 'finance'] as const) {
      const { status, body } = await list(role);
      expect(status).toBe(200);
      expect(new Set(body.alerts.map((a) => a.owner_role))).toEqual(new Set([role]));
      expect(body.alerts.map((a) => a.alert_id)).toContain(mine[role].alert_id);
      expect(body.total).toBe(body.alerts.length);
      expect((await list(role, `&owner_role=${role}`)).body.total).toBe(body.total);
      const other = await list(role, `&owner_role=${role === 'buyer' ? 'finance' : 'buyer'}`);
      expect(other.status).toBe(403);
      expect(other.body.error).toMatch(new RegExp(`the ${role} role sees only the alerts it owns`));
    }
    for (const role of ['executive', 'admin'] as const) {
      const { body } = await list(role);
      for (const a of Object.values(mine)) expect(body.alerts.map((x) => x.alert_id), role).toContain(a.alert_id);
      expect((await list(role, '&owner_role=finance')).body.alerts.every((a) => a.owner_role === 'finance')).toBe(true);
    }
  });
});

describe('request validation, generated from the route table', () => {
  for (const route of guarded) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    it(`${label}: 400 for unknown, repeated, missing and ill-typed parameters`, async () => {
      const { path, init } = await sample(route);
      const [pathname, search = ''] = path.split('?');
      /** The sample request with `name` set to `value` (or given twice, or left out). */
      const variant = (name: string, value: string | undefined, repeat = false) => {
        const q = new URLSearchParams(search);
        if (value === undefined) q.delete(name);
        else if (repeat) {
          q.set(name, value);
          q.append(name, value);
        }
        else q.set(name, value);
        return `${pathname}?${q}`;
      };
      const bad: Array<[string, RegExp]> = [[variant('colour', 'red'), /unknown query parameter "colour"/]];
      for (const [name, p] of Object.entries(route.query ?? {})) {
        bad.push([variant(name, 'a', true), new RegExp(`${name} must be one non-empty string`)]);
        if (p.required) bad.push([variant(name, undefined), new RegExp(`${name} is required`)]);
        if (p.type !== 'string') bad.push([variant(name, 'abc'), new RegExp(`${name} must be an? (integer|number) from`)], [variant(name, String(p.maximum + 1)), /from/]);
        else if (p.format === 'date-time') bad.push([variant(name, 'yesterday'), /ISO-8601/]);
        else if (p.enum) bad.push([variant(name, 'nope'), new RegExp(`${name} "nope" is not one of ${p.enum.join(', ')}`)]);
        else bad.push([variant(name, 'x'.repeat((p.maxLength ?? 200) + 1)), /at most/]);
      }
      for (const [url, reason] of bad) {
        const res = await fetch(base + url, withKey(init, keyOf.admin));
        expect(res.status, `${label}: ${url}`).toBe(400);
        expect(((await res.json()) as { error: string }).error, `${label}: ${url}`).toMatch(reason);
      }
    });
  }

  for (const route of withBody) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    it(`${label}: 400 for malformed JSON or a body off its schema, 413 over the size limit, 415 for another content type`, async () => {
      const { path } = await sample(route);
      const send = (body: string, type = 'application/json') =>
        fetch(base + path, { method: route.method.toUpperCase(), headers: { 'Content-Type': type, Authorization: `Bearer ${keyOf.admin}` }, body });
      const good = example(route);
      const fields = Object.entries(route.body!.properties) as Array<[string, { type?: string; anyOf?: unknown[] }]>;
      for (const body of [JSON.stringify(good).slice(0, -3), '{role: buyer}', 'not json at all', '"a string"']) {
        const res = await send(body);
        expect(res.status, body).toBe(400);
        expect(((await res.json()) as { error: string }).error, body).toMatch(/not valid JSON/);
      }
      const offSchema: Array<[unknown, RegExp]> = [
        [[], /body: expected object/],
        [{ ...good, extra: 1 }, /extra: is not a known field/],
      ];
      const required = (route.body!.required as string[] | undefined) ?? [];
      if (required.length) offSchema.push([{}, new RegExp(`${required[0]}: is required`)]);
      for (const [name, schema] of fields) {
        if (schema.anyOf) offSchema.push([{ ...good, [name]: 'owner' }, new RegExp(`${name}: must be one of`)]);
        else if (schema.type === 'string') offSchema.push([{ ...good, [name]: '' }, new RegExp(`${name}:`)], [{ ...good, [name]: 42 }, new RegExp(`${name}: expected string`)]);
      }
      for (const [body, reason] of offSchema) {
        const res = await send(JSON.stringify(body));
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(((await res.json()) as { error: string }).error, JSON.stringify(body)).toMatch(reason);
      }
      const big = await send(JSON.stringify({ ...good, [fields[0]![0]]: 'x'.repeat(MAX_BODY) }));
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: string }).error).toMatch(`larger than ${MAX_BODY} bytes`);
      const form = await send('role=buyer&name=x', 'application/x-www-form-urlencoded');
      expect(form.status).toBe(415);
      expect(((await form.json()) as { error: string }).error).toMatch(/Content-Type: application\/json/);
    });
  }

  it('405 with Allow for a method a path does not take, 404 with a pointer for anything else', async () => {
    const res = await fetch(`${base}/api/v1/ledger`, { method: 'POST', headers: { Authorization: `Bearer ${keyOf.admin}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(`${base}/api/v1/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/openapi\.json/);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a key has spent its burst, per key, and refills', async () => {
    const limited = await serve(store, { auth: 'required', host: '127.0.0.1', ratePerSecond: 2, rateBurst: 3 });
    const ask = (key: string) => fetch(`${limited}/api/v1/kpis`, withKey({}, key));
    for (let i = 0; i < 3; i++) expect((await ask(keyOf.executive)).status).toBe(200);
    const refused = await ask(keyOf.executive);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many requests: wait \d+ s/);
    expect((await ask(keyOf.admin)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    expect((await ask(keyOf.executive)).status).toBe(200);
    // Guessing keys spends the address's bucket.
    const guesses = await Promise.all(Array.from({ length: 6 }, () => ask(`llk_${'1'.repeat(12)}_${'B'.repeat(43)}`)));
    expect(guesses.map((r) => r.status)).toContain(429);
  });

  it('a token bucket allows the burst, then the rate, and forgets idle callers when full', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    expect(Array.from({ length: 6 }, () => limiter.take('a'))).toEqual([0, 0, 0, 0, 0, 1]);
    now += 100;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    for (let i = 0; i < 20_000; i++) limiter.take(`caller-${i}`);
    expect(limiter.take('a')).toBe(0); // a's bucket was dropped and starts full
    expect(new RateLimiter(0, 1).take('x')).toBe(0);
  });
});

describe('LEDGERLINE_API_AUTH=auto', () => {
  it('serves a keyless request from this machine on a loopback listener as admin, but not one relayed by a proxy, nor on another address', async () => {
    const local = await serve(store, { auth: 'auto', host: '127.0.0.1', ratePerSecond: 0 });
    expect((await fetch(`${local}/api/v1/keys`)).status).toBe(200);
    const created = await fetch(`${local}/api/v1/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"role": "buyer", "name": "from the laptop"}' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ created_by: 'local' });
    expect((await fetch(`${local}/api/v1/keys`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(401);
    expect((await fetch(`${local}/api/v1/keys`, { headers: { Forwarded: 'for=203.0.113.9' } })).status).toBe(401);
    // A key that is sent is checked on loopback too.
    expect((await fetch(`${local}/api/v1/keys`, withKey({}, keyOf.buyer))).status).toBe(403);
    expect((await fetch(`${local}/api/v1/keys`, withKey({}, revokedKey))).status).toBe(401);
    // Listening on every address: keys are required whoever calls.
    const exposed = await serve(store, { auth: 'auto', host: '0.0.0.0', ratePerSecond: 0 });
    expect((await fetch(`${exposed}/api/v1/kpis`)).status).toBe(401);
    expect((await fetch(`${exposed}/health`)).status).toBe(200);
  });
});

describe('keys never reach the logs', () => {
  it('redacts keys in request logs and error logs, and never logs headers', async () => {
    const captured: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const consoleError = console.error;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    console.error = (...args: unknown[]) => captured.push(args.map(String).join(' '));
    // A store that fails with a key in its message: errors carry whatever their causes carry.
    const failing: Store = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (sql: string, params?: Record<string, unknown>) =>
            sql.includes('ledger_') ? Promise.reject(new Error(`engine down while serving ${keyOf.executive} (Bearer ${keyOf.executive})`)) : target.query(sql, params);
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    try {
      const failingBase = await serve(failing, { auth: 'required', host: '127.0.0.1', ratePerSecond: 0 });
      const plain = 'hunter2-not-shaped-like-a-key';
      const made = `llk_${'a'.repeat(12)}_${'C'.repeat(43)}`;
      const attempts: Array<[string, RequestInit]> = [
        [`${failingBase}/api/v1/ledger`, withKey({}, keyOf.executive)],
        [`${base}/api/v1/ledger?api_key=${plain}`, withKey({}, keyOf.executive)],
        [`${base}/api/v1/ledger?sku=${keyOf.admin}`, withKey({}, keyOf.executive)],
        [`${base}/api/v1/ledger?token=${encodeURIComponent(keyOf.admin)}`, withKey({}, keyOf.executive)],
        [`${base}/api/v1/ledger`, withKey({}, made)],
        [`${base}/api/v1/ledger`, withKey({}, plain)],
        [`${base}/api/v1/ledger`, withKey({}, revokedKey)],
        [`${base}/api/v1/keys`, withKey({}, keyOf.buyer)],
        [`${base}/api/v1/keys`, withKey({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"role": "${keyOf.admin}"` }, keyOf.admin)],
      ];
      const statuses: number[] = [];
      for (const [url, init] of attempts) statuses.push((await fetch(url, init)).status);
      expect(statuses).toEqual([500, 400, 200, 400, 401, 401, 401, 403, 400]);
      await new Promise((r) => setTimeout(r, 50)); // 'finish' handlers log after the response
      const logged = [...logLines, ...captured].join('\n');
      expect(logged).toMatch(/GET \/api\/v1\/ledger 500/); // the requests were logged...
      expect(logged).toMatch(/engine down/);
      for (const secret of [...Object.values(keyOf), revokedKey, made, plain]) expect(logged, 'a key in the logs').not.toContain(secret.slice(17));
      expect(logged).toContain('[redacted]');
    } finally {
      process.stderr.write = write;
      console.error = consoleError;
    }
  });

  it('redactSecrets removes key-shaped strings and bearer tokens', () => {
    expect(redactSecrets(`x llk_0123456789ab_${'Z'.repeat(43)} y Authorization: Bearer abc.def z`)).toBe('x llk_0123456789ab_[redacted] y Authorization: Bearer [redacted] z');
  });
});
