import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { queryLedger } from '../store/ledger-query.js';
import { checkFormat, instantFlag } from './flags.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

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
  checkFormat(values.format);
  const asOf = instantFlag('as-of', values['as-of']);
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const rows = await queryLedger(store, { asOf, sku: values.sku, location: values.location, warehouse: values.warehouse });
    writeJsonLines(rows);
    return 0;
  } finally {
    await store.close();
  }
}
