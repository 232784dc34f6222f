import type { Config } from '../config/config.js';
import { ChdbStore } from '../store/chdb-store.js';
import { migrate } from '../store/migrate.js';

/** Opens the embedded store of `dataDir` (or the configured one) with the schema up to date. */
export async function openStore(config: Config, dataDir?: string, opts: { readonly?: boolean } = {}): Promise<ChdbStore> {
  const store = await ChdbStore.open(dataDir ?? config.LEDGERLINE_DATA_DIR, opts);
  if (!opts.readonly) await migrate(store);
  return store;
}
