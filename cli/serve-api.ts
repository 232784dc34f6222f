import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app.js';
import type { Config } from '../config/config.js';
import { kpiSettings } from '../kpis/kpi.js';
import { riskSettings } from '../models/stockout-scores.js';
import { scheduleScoring } from '../runtime/scoring-schedule.js';
import type { Store } from '../store/store.js';
import { UsageError } from './errors.js';

/** A `--port` flag, or the configured port. */
export function portFlag(value: string | undefined, config: Config): number {
  const port = value !== undefined ? Number(value) : config.LEDGERLINE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${value}: expected 0–65535`);
  return port;
}

/**
 * Serves the HTTP API over `store` on the configured address until SIGINT or SIGTERM, scoring
 * stockout risk every LEDGERLINE_SCORING_MINUTES meanwhile.
 */
export async function serveApi(store: Store, config: Config, port: number): Promise<void> {
  const server = createApp(store, kpiSettings(config)).listen(port, config.LEDGERLINE_HOST);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  process.stderr.write(
    `ledgerline: serving the API on http://${config.LEDGERLINE_HOST}:${address.port} (GET /health, /api/v1/ledger, /api/v1/kpis, /api/v1/stockout-risk, /api/v1/forecasts, /api/v1/models); Ctrl-C stops\n`,
  );
  const scoring = scheduleScoring(store, config.LEDGERLINE_SCORING_MINUTES * 60_000, riskSettings(config));
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await new Promise((resolve) => server.close(resolve));
  await scoring.stop();
}
