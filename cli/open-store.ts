import { ConfigError, type Config } from '../config/config.js';
import { ChdbStore } from '../store/chdb-store.js';
import { ClickHouseStore } from '../store/clickhouse-store.js';
import { migrate } from '../store/migrate.js';
import type { Store } from '../store/store.js';

/** Opens the embedded store of `dataDir` (or the configured one) with the schema up to date. */
export async function openStore(config: Config, dataDir?: string, opts: { readonly?: boolean } = {}): Promise<ChdbStore> {
  const store = await ChdbStore.open(dataDir ?? config.LEDGERLINE_DATA_DIR, opts);
  if (!opts.readonly) await migrate(store);
  return store;
}

/**
 * The configured store for reading (ledger, KPIs, SQL): the embedded one, or the ClickHouse server
 * of LEDGERLINE_STORE=clickhouse, with the schema up to date unless `readonly`.
 */
export async function openQueryStore(config: Config, dataDir?: string, opts: { readonly?: boolean } = {}): Promise<Store> {
  if (config.LEDGERLINE_STORE === 'embedded') return openStore(config, dataDir, opts);
  if (dataDir !== undefined) throw new ConfigError('--data-dir is for the embedded store; LEDGERLINE_STORE=clickhouse reads LEDGERLINE_CLICKHOUSE_URL');
  const store = await ClickHouseStore.fromConfig(config, opts);
  try {
    store.requireSchemaSupport();
    if (!opts.readonly) await migrate(store);
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** The embedded all-in-one job keeps its event log in chDB. */
export function requireEmbedded(config: Config, command: string): void {
  if (config.LEDGERLINE_STORE !== 'embedded') {
    throw new ConfigError(`ledgerline ${command} is the embedded all-in-one mode (chDB in the process): unset LEDGERLINE_STORE or set it to embedded`);
  }
}
