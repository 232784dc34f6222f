import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { Progress } from '../runtime/progress.js';
import { openInputs } from './inputs.js';
import { openStore, requireEmbedded } from './open-store.js';
import { portFlag } from './flags.js';
import { serveApi } from './serve-api.js';

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
  const port = portFlag(values.port, config);
  const sources = await openInputs(inputs, config);
  const store = await openStore(config, values['data-dir']);
  try {
    const pipeline = new EmbeddedPipeline(store, config, undefined, new Progress());
    const summary = await pipeline.run(sources);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (values.once) return 0;
    await serveApi(store, config, port, { dashboards: true });
    return 0;
  } finally {
    await store.close();
  }
}
