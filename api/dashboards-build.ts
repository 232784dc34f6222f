/**
 * Builds the Evidence dashboards (dashboards/) from a store: writes the KPI source query from the
 * KPI definitions, starts the read-only reader over the store, runs `evidence sources` and
 * `evidence build` as child processes with hard timeouts and the offline guard preloaded, then
 * publishes the site by swapping the `dashboards/site` symlink, so the API never serves a half
 * written site. See docs/dashboards.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KpiSettings } from '../kpis/kpi.js';
import type { Store } from '../store/store.js';
import { dashboardKpiSql, streamDay } from './dashboards-kpi-sql.js';
import { startDashboardsReader } from './dashboards-sql.js';

/** `evidence sources` offline on the demo takes ~5 s; anything near this is a hang (a download). */
export const SOURCES_TIMEOUT_MS = 5 * 60_000;
/** `evidence build` takes ~1–2 min on two cores. */
export const BUILD_TIMEOUT_MS = 15 * 60_000;

export const INSTALL_HINT = 'npm run dashboards:install (in the repository root; ~700 MB)';

/** The dashboards are not installed, or a build is running already: nothing is wrong with the engine. */
export class DashboardsUnavailableError extends Error {
  override name = 'DashboardsUnavailableError';
}

export class DashboardsBuildError extends Error {
  override name = 'DashboardsBuildError';
}

/** The dashboards/ project folder: found upwards from this module (api/ in the sources, dist/api/ when built). */
export function dashboardsProject(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'dashboards', 'evidence.config.yaml'))) return join(dir, 'dashboards');
    dir = dirname(dir);
  }
  throw new DashboardsUnavailableError('the dashboards/ project is missing next to the engine: reinstall Ledgerline from its repository');
}

/** Where the API serves the latest published build from. */
export function dashboardsSite(project: string = dashboardsProject()): string {
  return join(project, 'site');
}

/** Whether dashboards/ has its packages and the offline patch; otherwise why not. */
export function dashboardsInstallProblem(project: string): string | undefined {
  const cli = join(project, 'node_modules', '@evidence-dev', 'evidence', 'cli.js');
  if (!existsSync(cli)) return `the dashboards are not installed: ${INSTALL_HINT}`;
  // The markers of dashboards/scripts/patch-universal-sql.mjs: without them sources and build hang offline.
  const src = join(project, 'node_modules', '@evidence-dev', 'universal-sql', 'src');
  const patched: Array<[string, string]> = [
    ['build-parquet.js', 'ledgerline: offline parquet merge'],
    ['client-duckdb/node.js', 'ledgerline: offline parquet tables'],
    ['client-duckdb/browser.js', 'ledgerline: no parquet views in the browser'],
  ];
  for (const [file, marker] of patched) {
    const path = join(src, file);
    if (existsSync(path) && !readFileSync(path, 'utf8').includes(marker)) {
      return `the dashboards' offline patch is not applied to ${path} (builds would hang offline): run npm install in dashboards/ again (its postinstall applies it)`;
    }
  }
  return undefined;
}

export interface DashboardsBuildOptions {
  settings: KpiSettings;
  project?: string;
  sourcesTimeoutMs?: number;
  buildTimeoutMs?: number;
  /** Aborts a running build (its processes are killed). */
  signal?: AbortSignal;
  /** A file the offline guard appends to (each process it loaded into, each connection it refused). */
  offlineLog?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface DashboardsBuildResult {
  seconds: number;
  sources_seconds: number;
  build_seconds: number;
  site: string;
  site_bytes: number;
  pages: number;
}

/** Builds and publishes the dashboards from `store`; throws DashboardsUnavailableError when they cannot be built here. */
export async function buildDashboards(store: Store, o: DashboardsBuildOptions): Promise<DashboardsBuildResult> {
  const project = o.project ?? dashboardsProject();
  const problem = dashboardsInstallProblem(project);
  if (problem) throw new DashboardsUnavailableError(problem);
  const release = takeLock(project);
  const started = performance.now();
  try {
    writeFileSync(join(project, 'sources', 'ledgerline', 'kpi_weekly.sql'), dashboardKpiSql(await streamDay(store), o.settings));
    const cli = join(project, 'node_modules', '@evidence-dev', 'evidence', 'cli.js');
    const guard = pathToFileURL(join(project, 'scripts', 'offline-guard.mjs')).href;
    // Evidence builds as production; a caller's test runner (NODE_ENV=test, VITEST*) changes what SvelteKit prerenders (measured: a 500 on /explore/console).
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
    const baseEnv: NodeJS.ProcessEnv = {
      ...inherited,
      NODE_ENV: 'production',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${guard}`.trim(),
      ...(o.offlineLog ? { DASHBOARDS_OFFLINE_LOG: o.offlineLog } : {}),
    };
    rmSync(join(project, 'build'), { recursive: true, force: true });

    const reader = await startDashboardsReader(store);
    let sourcesSeconds: number;
    try {
      const t = performance.now();
      await runChild(process.execPath, [cli, 'sources'], project, { ...baseEnv, EVIDENCE_SOURCE__ledgerline__url: reader.url, EVIDENCE_SOURCE__ledgerline__token: reader.token }, o.sourcesTimeoutMs ?? SOURCES_TIMEOUT_MS, 'evidence sources', o.signal);
      sourcesSeconds = (performance.now() - t) / 1000;
    } finally {
      await reader.close();
    }
    o.log?.(`ledgerline: dashboards sources read in ${sourcesSeconds.toFixed(1)} s; building the site`);
    const t = performance.now();
    await runChild(process.execPath, [cli, 'build'], project, baseEnv, o.buildTimeoutMs ?? BUILD_TIMEOUT_MS, 'evidence build', o.signal);
    const buildSeconds = (performance.now() - t) / 1000;
    const site = publish(project);
    const { bytes, pages } = measure(site);
    return {
      seconds: round((performance.now() - started) / 1000),
      sources_seconds: round(sourcesSeconds),
      build_seconds: round(buildSeconds),
      site,
      site_bytes: bytes,
      pages,
    };
  } finally {
    release();
  }
}

const round = (s: number) => Math.round(s * 10) / 10;

/** One build at a time per project, across processes (the API's schedule and the CLI): a lock file with the builder's pid. */
function takeLock(project: string): () => void {
  const file = join(project, '.build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new DashboardsUnavailableError(`a dashboards build is running already (pid ${pid}); wait for it`);
      rmSync(file, { force: true });
    }
  }
  throw new DashboardsUnavailableError(`cannot take ${file}: remove it if no build is running`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs a child in its own process group (Evidence starts vite beneath it), killed as a whole on
 * timeout or abort. The output is kept (last 64 KiB) for the error message.
 */
function runChild(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DashboardsBuildError(`${what}: aborted`));
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-65_536);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let why: string | undefined;
    const killGroup = (reason: string) => {
      why = reason;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => killGroup(`killed after ${Math.round(timeoutMs / 1000)} s (a hang: is something downloading? see the offline guard's refusals below)`), timeoutMs);
    const onAbort = () => killGroup('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new DashboardsBuildError(`${what} could not start: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Its own children may outlive it: the group goes with it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // None left.
      }
      if (why === undefined && code === 0) return resolve();
      const tail = output.split('\n').slice(-40).join('\n');
      reject(new DashboardsBuildError(`${what} failed (${why ?? (sig ? `signal ${sig}` : `exit code ${code}`)}); its last output:\n${tail}`));
    });
  });
}

/** Moves build/ to .sites/<stamp> and points the site symlink at it atomically; older builds are removed. */
function publish(project: string): string {
  const built = join(project, 'build');
  if (!existsSync(join(built, 'index.html'))) throw new DashboardsBuildError(`evidence build finished without ${join(built, 'index.html')}`);
  const sites = join(project, '.sites');
  mkdirSync(sites, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  renameSync(built, join(sites, stamp));
  const link = join(project, 'site');
  const tmpLink = `${link}.${process.pid}.tmp`;
  rmSync(tmpLink, { force: true });
  symlinkSync(join('.sites', stamp), tmpLink);
  if (existsSync(link) && !lstatSync(link).isSymbolicLink()) rmSync(link, { recursive: true, force: true });
  renameSync(tmpLink, link);
  for (const old of readdirSync(sites)) if (old !== stamp) rmSync(join(sites, old), { recursive: true, force: true });
  return link;
}

function measure(dir: string): { bytes: number; pages: number } {
  let bytes = 0;
  let pages = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        bytes += statSync(p).size;
        if (entry.name.endsWith('.html')) pages++;
      }
    }
  };
  walk(dir);
  return { bytes, pages };
}
