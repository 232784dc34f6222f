import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { buildDashboards, DashboardsBuildError, DashboardsUnavailableError } from '../api/dashboards-build.js';
import { kpiSettings } from '../kpis/kpi.js';
import { StoreLockedError } from '../store/store.js';
import { UsageError } from './errors.js';
import { openQueryStore } from './open-store.js';

/**
 * `ledgerline dashboards build`: builds the Evidence dashboards from the configured store once and
 * prints a JSON summary (seconds, sources_seconds, build_seconds, site, site_bytes, pages). A
 * serving `run`, `odoo` or `debezium` does the same by itself (LEDGERLINE_DASHBOARDS_MINUTES).
 */
export async function dashboardsCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  if (positionals[0] !== 'build' || positionals.length !== 1) throw new UsageError('expected: ledgerline dashboards build [--data-dir D]');
  let store;
  try {
    store = await openQueryStore(config, values['data-dir']);
  } catch (e) {
    if (e instanceof StoreLockedError) {
      throw new StoreLockedError(
        `${e.message}\nWhile \`ledgerline run\`, \`odoo\` or \`debezium\` serves this data directory it builds the dashboards itself (at start, then every LEDGERLINE_DASHBOARDS_MINUTES); stop it to build now.`,
      );
    }
    throw e;
  }
  try {
    const result = await buildDashboards(store, { settings: kpiSettings(config), log: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    // Not installed, another build running, or Evidence failed: the message says which and what to do; a stack would not help.
    if (e instanceof DashboardsUnavailableError || e instanceof DashboardsBuildError) {
      process.stderr.write(`ledgerline: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await store.close();
  }
}
