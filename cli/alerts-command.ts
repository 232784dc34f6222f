import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Alert, AlertKind, AlertStatus } from '../alerts/alert.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertError } from '../alerts/lifecycle.js';
import { alertSettings } from '../alerts/settings.js';
import type { Config } from '../config/config.js';
import { evaluateAlerts } from '../runtime/alerting-job.js';
import { UsageError } from './errors.js';
import { checkFormat } from './flags.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

const SUBCOMMANDS = ['evaluate', 'list', 'show', 'ack', 'assign', 'resolve', 'dismiss', 'comment'] as const;

/**
 * `ledgerline alerts evaluate|list|show|ack|assign|resolve|dismiss|comment`: the alerts of the store.
 * `evaluate` runs the rules now (the scheduled scoring does it after every scoring run); the others
 * read alerts or act on one, recorded in the audit trail under $USER. Output: JSON lines.
 */
export async function alertsCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  if (!SUBCOMMANDS.includes(sub as (typeof SUBCOMMANDS)[number])) {
    throw new UsageError(`alerts needs one of ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      status: { type: 'string' },
      severity: { type: 'string' },
      owner: { type: 'string' },
      sku: { type: 'string' },
      warehouse: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      reason: { type: 'string' },
      text: { type: 'string' },
      note: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'json' },
      'data-dir': { type: 'string' },
    },
  });
  checkFormat(values.format);
  const settings = alertSettings(config);
  const actor = process.env.USER ?? userInfo().username;
  const id = () => {
    if (positionals.length !== 1) throw new UsageError(`alerts ${sub} takes one alert id (from \`ledgerline alerts list\`)`);
    return positionals[0]!;
  };
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const service = new AlertService(store);
    try {
      switch (sub) {
        case 'evaluate': {
          const result = await evaluateAlerts(store, settings);
          writeJsonLines(Object.entries(result.kinds).map(([kind, counts]) => ({ kind, ...(counts === 'not judged' ? { judged: false } : counts) })));
          return 0;
        }
        case 'list': {
          const statuses = values.status?.split(',').map((s) => s.trim()) as AlertStatus[] | undefined;
          const { alerts } = await service.list({
            ...(values.kind !== undefined ? { kind: values.kind as AlertKind } : {}),
            ...(statuses !== undefined ? { status: statuses } : {}),
            ...(values.severity !== undefined ? { severity: values.severity as Alert['severity'] } : {}),
            ...(values.owner !== undefined ? { owner_role: values.owner as Alert['owner_role'] } : {}),
            ...(values.sku !== undefined ? { sku: values.sku } : {}),
            ...(values.warehouse !== undefined ? { warehouse: values.warehouse } : {}),
            ...(values.since !== undefined ? { since: values.since } : {}),
            limit: count('limit', values.limit ?? '1000'),
            offset: count('offset', values.offset ?? '0'),
          });
          writeJsonLines(alerts);
          return 0;
        }
        case 'show':
          writeJsonLines([await service.get(id())]);
          return 0;
        case 'ack':
          writeJsonLines([await service.acknowledge(id(), actor, values.note)]);
          return 0;
        case 'assign':
          if (values.to === undefined) throw new UsageError('alerts assign ID --to NAME: who takes it');
          writeJsonLines([await service.assign(id(), values.to, actor)]);
          return 0;
        case 'resolve':
          writeJsonLines([await service.resolve(id(), actor, values.reason ?? values.note)]);
          return 0;
        case 'dismiss':
          if (values.reason === undefined) throw new UsageError('alerts dismiss ID --reason TEXT: say why it needs no action (the next reader will want to know)');
          writeJsonLines([await service.dismiss(id(), actor, values.reason)]);
          return 0;
        default:
          if (values.text === undefined) throw new UsageError('alerts comment ID --text TEXT');
          writeJsonLines([await service.comment(id(), actor, values.text)]);
          return 0;
      }
    } catch (e) {
      // A refused request is the caller's to fix: one line, exit 1, no stack.
      if (e instanceof AlertError) {
        process.stderr.write(`ledgerline: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  } finally {
    await store.close();
  }
}

function count(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} ${value}: expected a whole number`);
  return n;
}
