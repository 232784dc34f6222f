/** The OpenAPI document, docs/api.md and /metrics against the route table and the app. */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import { goodEvents } from '../fixtures/malformed.js';
import { kpiSettings } from '../kpis/kpi.js';
import { DOCUMENT_KINDS } from '../runtime/anomaly-rescoring.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { runInputs, tempDir, testConfig } from '../testing/harness.js';
import { apiDocText, DOCUMENTED_METRICS } from './api-doc.js';
import { createApp } from './app.js';
import { ApiKeys } from './keys.js';
import { Metrics } from './metrics.js';
import { openApiPath, pathParamNames, ROUTES, type Route } from './routes.js';

const routes: readonly Route[] = ROUTES;
let store: ChdbStore;
let base: string;
let close: () => void;
let app: ReturnType<typeof createApp>;
let monitoringKey: string;

beforeAll(async () => {
  const dir = tempDir('api-openapi');
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, [...goodEvents(3).map((e) => JSON.stringify(e)), '{"truncated": ', 'plain text'].join('\n'));
  const config = testConfig();
  store = await openStore(config, join(dir, 'data'));
  await runInputs(store, config, [file]);
  const keys = new ApiKeys(store);
  monitoringKey = (await keys.create('monitoring', 'prometheus', 'test')).key;
  await keys.create('buyer', 'a buyer', 'test');
  app = createApp(store, kpiSettings(config), { auth: 'required', keys, ratePerSecond: 0 });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => {
    app.closeStreams();
    server.close();
  };
});

afterAll(async () => {
  close?.();
  await store?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The structural rules of OpenAPI 3.1 this document relies on; the problems found. */
function openApiProblems(doc: Json): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => !ok && problems.push(what);
  need(/^3\.1\.\d+$/.test(doc.openapi), 'openapi must be 3.1.x');
  need(typeof doc.info?.title === 'string' && typeof doc.info?.version === 'string', 'info needs title and version');
  need(doc.paths && typeof doc.paths === 'object', 'paths must be an object');
  const resolve = (ref: string) => ref.replace(/^#\//, '').split('/').reduce<any>((node, part) => node?.[part], doc); // eslint-disable-line @typescript-eslint/no-explicit-any
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref') need(typeof v === 'string' && resolve(v) !== undefined, `${at}: $ref ${String(v)} does not resolve`);
        else walk(v, `${at}/${k}`);
      }
    }
  };
  walk(doc, '#');
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  for (const requirement of doc.security ?? []) for (const name of Object.keys(requirement)) need(schemes.includes(name), `security scheme ${name} is not defined`);
  const ids = new Set<string>();
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    need(path.startsWith('/'), `path ${path} must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries<Json>(item)) {
      const at = `${method} ${path}`;
      need(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method), `${at}: unknown method`);
      need(typeof op.operationId === 'string' && !ids.has(op.operationId), `${at}: operationId missing or repeated`);
      ids.add(op.operationId);
      need(op.responses && Object.keys(op.responses).length > 0, `${at}: no responses`);
      for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
        need(/^[1-5]\d\d$|^[1-5]XX$|^default$/.test(code), `${at}: response key ${code}`);
        need(typeof r.description === 'string', `${at}: response ${code} needs a description`);
      }
      const params: Json[] = op.parameters ?? [];
      for (const p of params) {
        need(typeof p.name === 'string' && ['query', 'header', 'path', 'cookie'].includes(p.in), `${at}: parameter needs name and in`);
        need(p.schema !== undefined || p.content !== undefined, `${at}: parameter ${p.name} needs a schema`);
        if (p.in === 'path') need(p.required === true && templated.includes(p.name), `${at}: path parameter ${p.name} must be required and in the path`);
      }
      for (const name of templated) need(params.some((p) => p.in === 'path' && p.name === name), `${at}: {${name}} is not declared`);
      for (const requirement of op.security ?? []) for (const name of Object.keys(requirement)) need(schemes.includes(name), `${at}: security scheme ${name} is not defined`);
      if (op.requestBody) need(op.requestBody.content && Object.keys(op.requestBody.content).length > 0, `${at}: requestBody needs content`);
    }
  }
  return problems;
}

describe('OpenAPI document', () => {
  it('lists exactly the routes of the table, with their parameters, bodies and roles, as valid OpenAPI 3.1', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(openApiProblems(doc)).toEqual([]);
    const listed = Object.entries<Json>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(routes.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`).sort());
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.path)][r.method] as Json;
      expect(op.operationId).toBe(r.id);
      const params = (op.parameters ?? []) as Json[];
      expect(params.filter((p) => p.in === 'query').map((p) => p.name), r.id).toEqual(Object.keys(r.query ?? {}));
      expect(params.filter((p) => p.in === 'path').map((p) => p.name), r.id).toEqual(pathParamNames(r.path));
      expect(op.requestBody !== undefined, r.id).toBe(r.body !== undefined);
      expect(op['x-roles'], r.id).toEqual(r.access === 'public' ? 'public' : [...r.access]);
      expect(op.security, r.id).toEqual(r.access === 'public' ? [] : undefined);
      expect(Object.keys(op.responses), r.id).toContain(String(r.response.status));
      if (r.access !== 'public') expect(Object.keys(op.responses), r.id).toEqual(expect.arrayContaining(['401', '403']));
      if (r.body) expect(Object.keys(op.responses), r.id).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
  });

  it('finds what is wrong with a broken document (the check can fail)', () => {
    const broken = { openapi: '3.0.0', info: { title: 'x' }, paths: { '/a/{id}': { get: { responses: { '200': {} }, parameters: [{ name: 'q', in: 'query' }] } } }, security: [{ nope: [] }] };
    expect(openApiProblems(broken)).toEqual(
      expect.arrayContaining(['openapi must be 3.1.x', 'info needs title and version', 'security scheme nope is not defined', 'get /a/{id}: {id} is not declared', 'get /a/{id}: parameter q needs a schema']),
    );
  });

  it('the app mounts exactly the routes of the table', () => {
    const stack = (app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
    const mounted = stack.filter((l) => l.route).flatMap((l) => Object.keys(l.route!.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${l.route!.path}`));
    expect(mounted.sort()).toEqual(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort());
  });

  it('shows an example body for every route with a body, valid against its schema (the security tests send it)', () => {
    for (const r of routes.filter((x) => x.body)) {
      const examples = (r.body as { examples?: unknown[] }).examples;
      expect(examples?.length, r.id).toBeGreaterThan(0);
      for (const e of examples!) expect(Value.Check(r.body!, e), `${r.id}: ${JSON.stringify(e)}`).toBe(true);
    }
  });

  it('offers the choices the code accepts', () => {
    const anomalies = routes.find((r) => r.id === 'anomalies')!;
    expect(anomalies.query?.kind).toMatchObject({ enum: [...DOCUMENT_KINDS] });
  });
});

describe('docs/api.md', () => {
  it('is as generated from the route table (run `npm run gen` after changing a route)', () => {
    expect(readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8'), 'run `npm run gen`').toBe(apiDocText());
    for (const r of routes) expect(apiDocText()).toContain(`| \`${r.method.toUpperCase()} ${r.path}\` |`);
  });
});

describe('/metrics', () => {
  it('serves the Prometheus text format to the monitoring role: requests per route and status, latency, dead letters, everything docs/api.md lists', async () => {
    const buyer = (await new ApiKeys(store).list()).find((k) => k.role === 'buyer')!;
    expect(buyer).toBeDefined();
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/v1/ledger?limit=5`, { headers: { Authorization: `Bearer ${monitoringKey}` } })).status).toBe(403);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${monitoringKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (NaN|\+Inf|-Inf))$/);
    }
    expect(text).toContain('ledgerline_http_requests_total{method="GET",route="/api/v1/ledger",status="403"} 3');
    expect(text).toContain('ledgerline_http_requests_total{method="GET",route="/metrics",status="401"} 1');
    expect(text).toMatch(/ledgerline_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/ledger",status="403",le="\+Inf"\} 3/);
    expect(text).toContain('ledgerline_http_request_duration_seconds_count{method="GET",route="/api/v1/ledger",status="403"} 3');
    const [{ dead }] = (await store.query<{ dead: number }>('SELECT count() AS dead FROM dead_letters FINAL')) as [{ dead: number }];
    expect(Number(dead)).toBe(2);
    expect(text).toContain('ledgerline_dead_letters_total 2');
    expect(text).toContain('ledgerline_events_logged_total 3');
    expect(text).toContain('ledgerline_api_keys_active{role="buyer"} 1');
    expect(text).toContain('ledgerline_api_auth_failures_total{reason="missing"} 1');
    expect(text).toContain('ledgerline_store_up 1');
    for (const [names] of DOCUMENTED_METRICS) for (const name of names.split(', ')) expect(text, name).toContain(`# TYPE ${name.replace(/\{.*$/, '')} `);
  });

  it('writes counters and cumulative histogram buckets, and reports a failing collector instead of failing', async () => {
    const m = new Metrics();
    const c = m.counter('x_total', 'x');
    const h = m.histogram('y_seconds', 'y', [0.1, 1]);
    c.inc({ a: 'q"\\\n' });
    c.inc({ a: 'q"\\\n' }, 2);
    for (const v of [0.05, 0.5, 5]) h.observe({}, v);
    m.collect(() => {
      throw new Error('down');
    });
    expect(await m.exposition()).toBe(
      [
        '# HELP x_total x',
        '# TYPE x_total counter',
        'x_total{a="q\\"\\\\\\n"} 3',
        '# HELP y_seconds y',
        '# TYPE y_seconds histogram',
        'y_seconds_bucket{le="0.1"} 1',
        'y_seconds_bucket{le="1"} 2',
        'y_seconds_bucket{le="+Inf"} 3',
        'y_seconds_sum 5.55',
        'y_seconds_count 3',
        '# HELP ledgerline_metrics_collector_errors Collectors that failed during this scrape (their metrics are missing).',
        '# TYPE ledgerline_metrics_collector_errors gauge',
        'ledgerline_metrics_collector_errors 1',
        '',
      ].join('\n'),
    );
  });
});
