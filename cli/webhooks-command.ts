import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { deliveryLog } from '../runtime/webhook-dispatcher.js';
import { UsageError } from './errors.js';
import { checkFormat } from './flags.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

/**
 * `ledgerline alerts webhooks [--endpoint ID] [--seq N] [--limit N]`: the webhook delivery log,
 * newest attempt first, one JSON line per attempt (endpoint, event seq, alert, attempt, outcome,
 * status code or error, duration). Read-only: the log is written by the running `run` or `api`.
 */
export async function webhooksCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      seq: { type: 'string' },
      limit: { type: 'string', default: '100' },
      format: { type: 'string', default: 'json' },
      'data-dir': { type: 'string' },
    },
  });
  if (positionals.length) throw new UsageError(`alerts webhooks takes no arguments (got "${positionals.join(' ')}"); filter with --endpoint ID or --seq N`);
  checkFormat(values.format);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError(`--limit ${values.limit}: expected a whole number from 1 to 100000`);
  const seq = values.seq === undefined ? undefined : Number(values.seq);
  if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) throw new UsageError(`--seq ${values.seq}: expected an event id (X-Ledgerline-Event-Id)`);
  if (values.endpoint !== undefined && !/^[0-9a-f]{12}$/.test(values.endpoint)) throw new UsageError(`--endpoint ${values.endpoint}: expected an endpoint id, 12 hex characters (the log lines and the delivery log name them)`);
  const store = await openQueryStore(config, values['data-dir']);
  try {
    writeJsonLines(await deliveryLog(store, { limit, ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}), ...(seq !== undefined ? { seq } : {}) }));
    return 0;
  } finally {
    await store.close();
  }
}
