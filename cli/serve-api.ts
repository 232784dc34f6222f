import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { apiOptions, createApp, type ApiOptions } from '../api/app.js';
import { scheduleDashboards } from '../api/dashboards-schedule.js';
import { ROUTES } from '../api/routes.js';
import { isLoopbackHost } from '../api/security.js';
import type { Config } from '../config/config.js';
import { kpiSettings } from '../kpis/kpi.js';
import { alertSettings } from '../alerts/settings.js';
import { riskSettings } from '../models/stockout-scores.js';
import { scheduleScoring } from '../runtime/scoring-schedule.js';
import { startWebhooks, webhookSettings } from '../runtime/webhook-dispatcher.js';
import type { Store } from '../store/store.js';

/** Work that runs beside the API until it stops (an Odoo poller, a change feed); ending by itself is a failure. */
export interface Follower {
  run(): Promise<void>;
  stop(): void;
}

export interface ServeOptions {
  /** Options of the app beyond the configured ones (e.g. the Odoo webhook receiver). */
  app?: Partial<ApiOptions>;
  follower?: Follower;
  /**
   * Build the dashboards beside the API, once the data is scored and every LEDGERLINE_DASHBOARDS_MINUTES:
   * the embedded commands (run, odoo, debezium), whose process alone can read the data directory.
   */
  dashboards?: boolean;
  /** What else the process does, for the serving line. */
  note?: string;
}

/**
 * Serves the HTTP API over `store` on the configured address until SIGINT or SIGTERM (or until the
 * follower fails: its error is the command's), scoring (stockout risk, learned anomaly scores) and
 * evaluating alerts every LEDGERLINE_SCORING_MINUTES meanwhile, sending the alert events to the
 * webhooks of LEDGERLINE_WEBHOOK_URLS and, with `dashboards`, building the dashboards.
 */
export async function serveApi(store: Store, config: Config, port: number, o: ServeOptions = {}): Promise<void> {
  // Before listening: a webhook misconfiguration stops the start instead of surfacing at the first event.
  const webhookConfig = webhookSettings(config);
  const app = createApp(store, kpiSettings(config), { ...apiOptions(config), ...o.app });
  const server = app.listen(port, config.LEDGERLINE_HOST);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const open = config.LEDGERLINE_API_AUTH === 'auto' && isLoopbackHost(config.LEDGERLINE_HOST);
  process.stderr.write(
    `ledgerline: serving the API on http://${config.LEDGERLINE_HOST}:${address.port} (${[...new Set(ROUTES.map((r) => r.path))].join(', ')}); ` +
      (open
        ? 'requests from this machine need no API key (LEDGERLINE_API_AUTH=auto on a loopback address; set it to required behind a proxy)'
        : 'every request but /health and /api/v1/openapi.json needs an API key (ledgerline keys create --role ROLE --name NAME)') +
      (o.note ? `; ${o.note}` : '') +
      '; Ctrl-C stops\n',
  );
  const scoring = scheduleScoring(store, config.LEDGERLINE_SCORING_MINUTES * 60_000, { risk: riskSettings(config), alerts: alertSettings(config) });
  const webhooks = startWebhooks(store, webhookConfig);
  // Built in child processes; not installed or failing, the dashboards are reported in the log, never fatal.
  const dashboards = o.dashboards
    ? scheduleDashboards(store, { intervalMs: config.LEDGERLINE_DASHBOARDS_MINUTES * 60_000, waitForScores: config.LEDGERLINE_SCORING_MINUTES > 0, settings: kpiSettings(config) })
    : undefined;
  const following = o.follower?.run();
  try {
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), ...(following ? [following] : [])]);
  } finally {
    o.follower?.stop();
    // Alert streams never end by themselves: server.close() would wait for them.
    app.closeStreams();
    // The webhooks stop beside the server: an attempt in flight is aborted, not waited for.
    await Promise.all([new Promise((resolve) => server.close(resolve)), webhooks.stop()]);
    await following?.catch(() => {});
    await Promise.all([scoring.stop(), dashboards?.stop()]);
  }
  // A follower that ended by itself failed: its error is the command's.
  await following;
}
