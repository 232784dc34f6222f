import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { isValidInstant } from '../events/validate.js';
import { queryLedger } from '../store/ledger-query.js';
import { UsageError } from './errors.js';
import { openStore } from './open-store.js';

/** Prints the ledger as JSON lines: the five quantities per sku × location, live or as of a past instant. */
export async function ledgerCommand(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'as-of': { type: 'string' },
      sku: { type: 'string' },
      location: { type: 'string' },
      warehouse: { type: 'string' },
      format: { type: 'string', default: 'json' },
      'data-dir': { type: 'string' },
    },
  });
  if (values.format !== 'json') throw new UsageError(`--format ${values.format}: only json (JSON lines) is supported`);
  const asOf = values['as-of'];
  if (asOf !== undefined && !isValidInstant(asOf)) throw new UsageError(`--as-of ${asOf}: expected an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z`);
  const store = await openStore(config, values['data-dir']);
  try {
    const rows = await queryLedger(store, { asOf, sku: values.sku, location: values.location, warehouse: values.warehouse });
    process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    return 0;
  } finally {
    await store.close();
  }
}
