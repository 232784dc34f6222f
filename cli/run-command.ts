import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app.js';
import { kpiSettings } from '../kpis/kpi.js';
import type { Config } from '../config/config.js';
import { EmbeddedPipeline, embeddedProcessors } from '../runtime/embedded-pipeline.js';
import { Progress } from '../runtime/progress.js';
import { openInputs } from './inputs.js';
import { UsageError } from './errors.js';
import { openStore, requireEmbedded } from './open-store.js';

/**
 * The all-in-one embedded job: every input through the pipeline into the store, then (without
 * --once) the HTTP API on the configured address until SIGINT/SIGTERM.
 */
export async function runCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: 'string', multiple: true, short: 'i' },
      'data-dir': { type: 'string' },
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
    },
  });
  requireEmbedded(config, 'run');
  const inputs = [...(values.input ?? []), ...positionals];
  const port = values.port !== undefined ? Number(values.port) : config.LEDGERLINE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port}: expected 0–65535`);
  const sources = await openInputs(inputs, config);
  const store = await openStore(config, values['data-dir']);
  try {
    const pipeline = new EmbeddedPipeline(store, config, embeddedProcessors(), new Progress());
    const summary = await pipeline.run(sources);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (values.once) return 0;

    const server = createApp(store, kpiSettings(config)).listen(port, config.LEDGERLINE_HOST);
    await once(server, 'listening');
    const address = server.address() as AddressInfo;
    process.stderr.write(`ledgerline: serving the API on http://${config.LEDGERLINE_HOST}:${address.port} (GET /health, /api/v1/ledger, /api/v1/kpis); Ctrl-C stops\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    server.close();
    return 0;
  } finally {
    await store.close();
  }
}
