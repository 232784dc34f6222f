import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiKeyError, ApiKeys } from '../api/keys.js';
import { KEY_ID_PATTERN, ROLES } from '../api/routes.js';
import type { Config } from '../config/config.js';
import { UsageError } from './errors.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

const SUBCOMMANDS = ['create', 'list', 'revoke'] as const;

/**
 * `ledgerline keys create --role R --name N [--company C]… [--warehouse W]… | list | revoke ID`: the API keys of the configured
 * store. `create` prints the key once (only its hash is stored); `list` never shows a key; `revoke`
 * takes effect in every API process within seconds. Each prints JSON lines.
 */
export async function keysCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  if (!SUBCOMMANDS.includes(sub as (typeof SUBCOMMANDS)[number])) throw new UsageError(`keys needs one of ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, company: { type: 'string', multiple: true }, warehouse: { type: 'string', multiple: true }, 'data-dir': { type: 'string' } },
  });
  if (sub === 'create') {
    if (values.role === undefined || values.name === undefined) throw new UsageError(`keys create needs --role (${ROLES.join(', ')}) and --name (who or what uses the key)`);
    if (!(ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role ${values.role}: one of ${ROLES.join(', ')}`);
    if (positionals.length) throw new UsageError(`keys create takes no arguments besides its flags (got ${positionals.join(' ')})`);
  } else if (values.company || values.warehouse) throw new UsageError('--company and --warehouse limit a key being created: keys create only');
  else if (sub === 'revoke') {
    if (positionals.length !== 1 || !new RegExp(KEY_ID_PATTERN).test(positionals[0]!)) throw new UsageError('keys revoke needs one key id, e.g. llk_0123456789ab (see keys list)');
  } else if (positionals.length) throw new UsageError(`keys list takes no arguments (got ${positionals.join(' ')})`);

  const store = await openQueryStore(config, values['data-dir']);
  try {
    const keys = new ApiKeys(store);
    const actor = `cli:${process.env.USER ?? userInfo().username}`;
    switch (sub) {
      case 'create': {
        const scope = { companies: values.company ?? [], warehouses: values.warehouse ?? [] };
        const { key, record } = await keys.create(values.role!, values.name!, actor, scope).catch((e: unknown) => {
          throw e instanceof ApiKeyError ? new UsageError(e.message) : e;
        });
        writeJsonLines([{ ...record, key }]);
        process.stderr.write(`ledgerline: created API key ${record.id} (${record.role}); keep "key" now, it is not stored and cannot be shown again. Send it as Authorization: Bearer <key>.\n`);
        return 0;
      }
      case 'list':
        writeJsonLines(await keys.list());
        return 0;
      default: {
        const revoked = await keys.revoke(positionals[0]!, actor);
        if (revoked === undefined) {
          process.stderr.write(`ledgerline: no API key ${positionals[0]} in this store (ledgerline keys list shows them)\n`);
          return 1;
        }
        writeJsonLines([revoked]);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
