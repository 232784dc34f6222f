import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { UsageError } from './errors.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

/** Runs one read-only query (the session is `readonly = 2`: writes and DDL are refused) and prints JSON lines. */
export async function sqlCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('expected one quoted query');
  const store = await openQueryStore(config, values['data-dir'], { readonly: true });
  try {
    // Buffered, not streamed: the engine streams only SELECTs, and a refused write must say "readonly".
    const rows = await store.query(positionals[0]!);
    writeJsonLines(rows);
    return 0;
  } finally {
    await store.close();
  }
}
