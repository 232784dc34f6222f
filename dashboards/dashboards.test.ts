/**
 * The dashboards end to end: a store from the demo fixtures (processed, a forecast model trained,
 * promoted and scored, alerts evaluated), `buildDashboards` (sources + build, offline guard on),
 * the site served by the API under /dashboards, and every page loaded in headless Chromium: no
 * console error, no failed request, every chart and table drawn with data, a screenshot per page
 * (dashboards/test-artifacts/), and no request to anything but 127.0.0.1 — in the build's processes
 * (the offline guard's record) and in the browser.
 *
 * Needs the dashboards installed (npm run dashboards:install) and Chromium (/usr/bin/chromium, or
 * CHROMIUM_PATH); without them it is skipped with that message, except in CI
 * (TEST_REQUIRE_SERVERS=1), where it fails.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.js';
import { buildDashboards, dashboardsInstallProblem, dashboardsProject, type DashboardsBuildResult } from '../api/dashboards-build.js';
import { kpiSettings } from '../kpis/kpi.js';
import { openStore } from '../cli/open-store.js';
import { runCli, tempDir, testConfig } from '../testing/harness.js';
import type { ChdbStore } from '../store/chdb-store.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGES = [
  { path: '/dashboards/', name: 'executive' },
  { path: '/dashboards/buyer', name: 'buyer' },
  { path: '/dashboards/finance', name: 'finance' },
  { path: '/dashboards/data-science', name: 'data-science' },
  { path: '/dashboards/data-quality', name: 'data-quality' },
];
const project = dashboardsProject();
const ARTIFACTS = join(project, 'test-artifacts');

async function loadPlaywright(): Promise<typeof import('playwright-core') | undefined> {
  try {
    return await import('playwright-core');
  } catch {
    return undefined;
  }
}

const playwright = await loadPlaywright();
const missing =
  dashboardsInstallProblem(project) ??
  (playwright === undefined ? 'playwright-core is not installed in dashboards/: npm run dashboards:install' : undefined) ??
  (existsSync(CHROMIUM) ? undefined : `Chromium is not at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
const required = process.env.TEST_REQUIRE_SERVERS === '1';
if (missing !== undefined && !required) console.warn(`dashboards/dashboards.test.ts skipped: ${missing}; to run it: npm run dashboards:install, apt-get install chromium, npx vitest run dashboards/`);

// In CI (TEST_REQUIRE_SERVERS=1) the file fails instead of skipping.
if (missing !== undefined && required) throw new Error(`the dashboards browser test cannot run: ${missing}`);

describe.skipIf(missing !== undefined)(`dashboards in headless Chromium${missing ? ` (skipped: ${missing}; run npm run dashboards:install and apt-get install chromium, then npx vitest run dashboards/)` : ''}`, () => {
  const dir = tempDir('dashboards');
  const offlineLog = join(dir, 'offline.log');
  let store: ChdbStore | undefined;
  let build: DashboardsBuildResult;
  let base = '';
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const dataDir = join(dir, 'data');
    const env = { LEDGERLINE_MODEL_DIR: join(dir, 'models') };
    for (const args of [
      ['run', '--once', '--input', 'fixtures/demo/events.jsonl', 'fixtures/demo/malformed.jsonl'],
      ['models', 'train', '--origins', '1'],
      ['models', 'promote', '1'],
      ['models', 'score'],
      ['alerts', 'evaluate'],
    ]) {
      const r = await runCli([...args, '--data-dir', dataDir], env);
      if (r.code !== 0) throw new Error(`ledgerline ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    }
    // The store stays open for the build and the API, as in a serving `run`.
    store = await openStore(testConfig(), dataDir);
    build = await buildDashboards(store, { settings: kpiSettings(testConfig()), offlineLog });
    app = createApp(store, kpiSettings(testConfig()), { ratePerSecond: 0 });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    process.stderr.write(`dashboards build: ${JSON.stringify(build)}\n`);
  }, 900_000);

  afterAll(async () => {
    app?.closeStreams();
    if (server) await new Promise((r) => server.close(r));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('built every page offline: the guard ran in every build process and refused nothing', () => {
    expect(build.pages).toBeGreaterThanOrEqual(PAGES.length);
    const lines = readFileSync(offlineLog, 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('loaded')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.startsWith('refused'))).toEqual([]);
  });

  it('the offline guard refuses a connection off this machine (so the check above can fail)', async () => {
    const { spawnSync } = await import('node:child_process');
    const log = join(dir, 'guard-selfcheck.log');
    const out = spawnSync(process.execPath, ['--import', `file://${join(project, 'scripts', 'offline-guard.mjs')}`, '-e', "require('net').connect(80, '10.255.255.1').on('error', (e) => { console.log(e.message); process.exit(0); })"], {
      env: { ...process.env, DASHBOARDS_OFFLINE_LOG: log },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.stdout).toContain('refused');
    expect(readFileSync(log, 'utf8')).toContain('refused');
  });

  it('/dashboards needs the executive role: a buyer key is refused', async () => {
    const key = await withKey('buyer');
    const res = await fetch(`${base}/dashboards/`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(403);
    const exec = await withKey('executive');
    const ok = await fetch(`${base}/dashboards/`, { headers: { Authorization: `Bearer ${exec}` } });
    expect(ok.status).toBe(200);
  });

  it('every page loads in headless Chromium with data in every chart and table, nothing failing, nothing leaving 127.0.0.1', async () => {
    // A fresh profile directory: Playwright passes it as --user-data-dir (it refuses the flag in args).
    const profile = join(dir, 'chromium-profile');
    const context = await playwright!.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
      timeout: 60_000,
    });
    const problems: string[] = [];
    const offMachine: string[] = [];
    const cancelled = new Set<string>();
    try {
      context.on('request', (req) => {
        const url = new URL(req.url());
        if (!['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1') offMachine.push(req.url());
      });
      // Anything not on this machine is aborted, so a page cannot wait on it; it is still recorded above.
      await context.route(/.*/, (route) => (new URL(route.request().url()).hostname === '127.0.0.1' || route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      for (const { path, name } of PAGES) {
        const page = await context.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(`${name}: console error: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
        page.on('requestfailed', (r) => {
          // Evidence cancels its fetch of a query's prerendered result once the page has the rows
          // inlined (measured: net::ERR_ABORTED on such URLs, never on others); each is re-fetched below.
          if (r.failure()?.errorText === 'net::ERR_ABORTED' && r.url().includes('/dashboards/api/prerendered_queries/')) cancelled.add(r.url());
          else problems.push(`${name}: request failed: ${r.url()} (${r.failure()?.errorText})`);
        });
        page.on('response', (r) => {
          if (r.status() >= 400) problems.push(`${name}: ${r.status()} for ${r.url()}`);
        });
        const res = await page.goto(`${base}${path}`, { waitUntil: 'networkidle', timeout: 60_000 });
        expect(res?.status(), `${name}: status`).toBe(200);
        // Components below the fold load their query results when they scroll into view: show all of it,
        // then let those loads finish (closing the page with one in flight would abort it).
        await page.setViewportSize({ width: 1400, height: 6000 });
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(1500);
        await page.waitForLoadState('networkidle');
        const content = await page.evaluate(() => {
          const charts = [...document.querySelectorAll('[_echarts_instance_]')].map((el) => {
            const canvas = el.querySelector('canvas');
            let inked = 0;
            if (canvas) {
              const ctx = canvas.getContext('2d');
              const { data } = ctx!.getImageData(0, 0, canvas.width, canvas.height);
              for (let i = 3; i < data.length; i += 4 * 16) if (data[i]! > 0) inked++;
            }
            const svgMarks = el.querySelectorAll('svg path, svg rect').length;
            return { inked, svgMarks, text: (el.textContent ?? '').slice(0, 80) };
          });
          // Visible tables only (a component may keep an empty one for layout); a row is a tr with cells.
          const tables = [...document.querySelectorAll('table')]
            .filter((t) => t.getBoundingClientRect().height > 0)
            .map((t) => [...t.querySelectorAll('tr')].filter((tr) => tr.querySelector('td') !== null).length);
          const bigValues = [...document.querySelectorAll('[data-testid^="BigValue"], .big-value, p.text-xl, div.text-xl')].map((e) => (e.textContent ?? '').trim());
          // Visible ones: components keep hidden fallbacks in the page.
          const emptyNotices = [...document.querySelectorAll('body *')].filter(
            (e) => e.children.length === 0 && /^No Results$/i.test((e.textContent ?? '').trim()) && e.getBoundingClientRect().height > 0,
          ).length;
          return { charts, tables, bigValues, emptyNotices, text: document.body.innerText };
        });
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
        await page.waitForLoadState('networkidle');
        expect(content.charts.length, `${name}: charts on the page`).toBeGreaterThan(0);
        expect(content.tables.length + content.bigValues.length + content.charts.length, `${name}: nothing drawn`).toBeGreaterThan(1);
        content.charts.forEach((c, i) => expect(c.inked + c.svgMarks, `${name}: chart ${i + 1} drew nothing`).toBeGreaterThan(50));
        content.tables.forEach((rows, i) => expect(rows, `${name}: table ${i + 1} has no rows`).toBeGreaterThan(0));
        expect(content.emptyNotices, `${name}: a component says "No Results"`).toBe(0);
        expect(content.text, `${name}: an error is shown`).not.toMatch(/Error in|Unable to load|failed to load/i);
        await page.close();
      }
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
    expect(offMachine).toEqual([]);
    // A cancelled result must still be served: the page would otherwise have had nothing to fall back on.
    for (const url of cancelled) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
  }, 300_000);

  async function withKey(role: string): Promise<string> {
    const res = await fetch(`${base}/api/v1/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role, name: `dashboards test ${role}` }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  }

  // Last: it builds into the same site the tests above load.
  it('builds from a store as the first npm start leaves it: no model trained, so some source queries return no rows, and nothing of the build before shows', async () => {
    const fresh = join(dir, 'fresh');
    const run = await runCli(['run', '--once', '--input', 'fixtures/demo/events.jsonl', '--data-dir', fresh]);
    expect(run.code, run.stderr).toBe(0);
    const built = await runCli(['dashboards', 'build', '--data-dir', fresh], {}, 900_000);
    expect(built.code, built.stderr).toBe(0);
    const result = JSON.parse(built.stdout) as DashboardsBuildResult;
    expect(result.pages).toBe(build.pages);
    // The build before this one had a model and backtests: none of them may show now.
    const page = readFileSync(join(result.site, 'data-science', 'index.html'), 'utf8');
    expect(page).toContain('No model version in the registry yet');
    expect(page).toContain('No backtest yet');
  }, 900_000);
});
