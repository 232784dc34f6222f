import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { openQueryStore } from './open-store.js';
import { portFlag } from './flags.js';
import { serveApi } from './serve-api.js';

/**
 * `ledgerline api [--port N]`: the HTTP API over the configured store, until SIGINT/SIGTERM. Requests
 * hold no state (run as many as needed), but each instance also runs the scoring, alert evaluation
 * and webhooks of `serveApi`: one instance should, the others with LEDGERLINE_SCORING_MINUTES=0 and
 * no webhook URLs.
 */
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
