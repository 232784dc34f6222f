import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { openQueryStore } from './open-store.js';
import { portFlag, serveApi } from './serve-api.js';

/** `ledgerline api [--port N]`: the HTTP API over the configured store, until SIGINT/SIGTERM (stateless: run as many as needed). */
export async function apiCommand(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const port = portFlag(values.port, config);
  const store = await openQueryStore(config, values['data-dir']);
  try {
    await serveApi(store, config, port);
    return 0;
  } finally {
    await store.close();
  }
}
