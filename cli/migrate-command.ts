import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { migrateStore } from './open-store.js';

/** `ledgerline migrate`: the configured store's schema up to date (once per ClickHouse server, before its processes start). */
export async function migrateCommand(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } } });
  const applied = await migrateStore(config, values['data-dir']);
  process.stdout.write(`${JSON.stringify({ applied })}\n`);
  return 0;
}
