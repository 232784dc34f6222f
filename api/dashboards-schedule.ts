/**
 * The dashboards while the engine runs: a first build once the current data is scored, then one
 * every LEDGERLINE_DASHBOARDS_MINUTES. Builds run in child processes, so serving goes on; a failed
 * or impossible build (dashboards not installed) is reported and never stops the engine.
 */
import type { Store } from '../store/store.js';
import { buildDashboards, DashboardsUnavailableError, type DashboardsBuildOptions } from './dashboards-build.js';
import { streamDay } from './dashboards-kpi-sql.js';

export interface DashboardsScheduleOptions extends Omit<DashboardsBuildOptions, 'signal'> {
  intervalMs: number;
  /**
   * Whether scoring runs in this process (LEDGERLINE_SCORING_MINUTES > 0): the first build then
   * waits (up to `scoreWaitMs`) for the stockout risk of the latest data, so the buyer page is not
   * built empty on a fresh start.
   */
  waitForScores: boolean;
  scoreWaitMs?: number;
  report?: (line: string) => void;
}

export function scheduleDashboards(store: Store, o: DashboardsScheduleOptions): { stop(): Promise<void> } {
  const report = o.report ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (o.intervalMs <= 0) return { stop: async () => {} };
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let saidUnavailable = false;
  const build = async () => {
    try {
      const r = await buildDashboards(store, { ...o, signal: abort.signal });
      saidUnavailable = false;
      report(`ledgerline: dashboards built in ${r.seconds} s (${r.pages} pages, ${(r.site_bytes / 1e6).toFixed(0)} MB): served under /dashboards/`);
    } catch (e) {
      if (abort.signal.aborted) return;
      if (e instanceof DashboardsUnavailableError) {
        // Said once: the engine works without dashboards, and the next tick tries again quietly.
        if (!saidUnavailable) report(`ledgerline: dashboards not built: ${e.message}`);
        saidUnavailable = true;
        return;
      }
      report(`ledgerline: dashboards build failed, the previous site stays served; retrying in ${Math.max(1, Math.round(o.intervalMs / 60_000))} min: ${(e as Error).message}`);
    }
  };
  const tick = () => {
    if (abort.signal.aborted || running) return;
    running = build().finally(() => (running = undefined));
  };
  let timer: NodeJS.Timeout | undefined;
  const first = (async () => {
    if (o.waitForScores) await waitForScores(store, o.scoreWaitMs ?? 120_000, abort.signal);
    if (abort.signal.aborted) return;
    tick();
    timer = setInterval(tick, o.intervalMs);
    timer.unref();
  })();
  return {
    async stop() {
      abort.abort();
      clearInterval(timer);
      await first;
      await running;
    },
  };
}

/** Until the stockout risk is scored as of the stream's latest day (or `maxMs` passed). */
async function waitForScores(store: Store, maxMs: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + maxMs;
  while (!signal.aborted && Date.now() < until) {
    try {
      const day = await streamDay(store);
      const [row] = await store.query<{ scored: number }>('SELECT count() > 0 AS scored FROM stockout_risk WHERE as_of >= {day:Date}', { day });
      if (Number(row?.scored) === 1) return;
    } catch {
      // The store is busy or the table is being written: look again.
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
