import { ConfigError, type Config } from '../config/config.js';
import { ChdbStore } from '../store/chdb-store.js';
import { ClickHouseStore } from '../store/clickhouse-store.js';
import { migrate, pendingMigrations } from '../store/migrate.js';
import type { Store } from '../store/store.js';

/** Opens the embedded store of `dataDir` (or the configured one) with the schema up to date. */
export async function openStore(config: Config, dataDir?: string, opts: { readonly?: boolean } = {}): Promise<ChdbStore> {
  const store = await ChdbStore.open(dataDir ?? config.LEDGERLINE_DATA_DIR, opts);
  if (!opts.readonly) await migrate(store);
  return store;
}

/**
 * The configured store: the embedded one (its schema brought up to date unless `readonly`: one
 * process owns it), or the ClickHouse server of LEDGERLINE_STORE=clickhouse, whose schema must be
 * up to date already — many processes share it, so `ledgerline migrate` applies migrations once.
 */
export async function openQueryStore(config: Config, dataDir?: string, opts: { readonly?: boolean } = {}): Promise<Store> {
  if (config.LEDGERLINE_STORE === 'embedded') return openStore(config, dataDir, opts);
  if (dataDir !== undefined) throw new ConfigError('--data-dir is for the embedded store; LEDGERLINE_STORE=clickhouse reads LEDGERLINE_CLICKHOUSE_URL');
  const store = await ClickHouseStore.fromConfig(config, opts);
  try {
    store.requireSchemaSupport();
    const pending = await pendingMigrations(store);
    if (pending.length) {
      throw new ConfigError(
        `the schema of ${config.LEDGERLINE_CLICKHOUSE_URL} (database ${config.LEDGERLINE_CLICKHOUSE_DATABASE}) is not up to date, ` +
          `${pending.length} migration(s) pending (${pending.join(', ')}): run \`ledgerline migrate\` once (a user allowed to create tables).`,
      );
    }
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** `ledgerline migrate`: brings the configured store's schema up to date; prints what it applied. */
export async function migrateStore(config: Config, dataDir?: string): Promise<string[]> {
  if (config.LEDGERLINE_STORE === 'embedded') {
    const store = await ChdbStore.open(dataDir ?? config.LEDGERLINE_DATA_DIR);
    try {
      return await migrate(store);
    } finally {
      await store.close();
    }
  }
  const store = await ClickHouseStore.fromConfig(config);
  try {
    store.requireSchemaSupport();
    return await migrate(store);
  } finally {
    await store.close();
  }
}

/** The embedded all-in-one job keeps its event log in chDB. */
export function requireEmbedded(config: Config, command: string): void {
  if (config.LEDGERLINE_STORE !== 'embedded') {
    throw new ConfigError(`ledgerline ${command} is the embedded all-in-one mode (chDB in the process): unset LEDGERLINE_STORE or set it to embedded`);
  }
}
