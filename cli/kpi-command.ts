import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { isValidInstant } from '../events/validate.js';
import { describeKpis } from '../kpis/describe.js';
import { kpiSettings, type Grain } from '../kpis/kpi.js';
import { KpiRequestError, queryKpi } from '../store/kpi-query.js';
import { UsageError } from './errors.js';
import { openStore } from './open-store.js';

/** `ledgerline kpi NAME …`: a KPI as JSON lines (period, dimension, numerator, denominator, value); `--list`: the catalogue. */
export async function kpiCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      list: { type: 'boolean', default: false },
      by: { type: 'string' },
      grain: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'json' },
      'data-dir': { type: 'string' },
    },
  });
  if (values.format !== 'json') throw new UsageError(`--format ${values.format}: only json (JSON lines) is supported`);
  if (values.list) {
    process.stdout.write(describeKpis().map((k) => JSON.stringify(k)).join('\n') + '\n');
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('which KPI? give its name, or --list for the catalogue');
  if (extra.length) throw new UsageError(`one KPI at a time (got ${positionals.join(', ')})`);
  for (const flag of ['from', 'to'] as const) {
    const v = values[flag];
    if (v !== undefined && !isValidInstant(v)) throw new UsageError(`--${flag} ${v}: expected an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z`);
  }
  const store = await openStore(config, values['data-dir']);
  try {
    const request = { name, by: values.by, grain: values.grain as Grain | undefined, from: values.from, to: values.to };
    const rows = await queryKpi(store, request, kpiSettings(config)).catch((e: unknown) => {
      throw e instanceof KpiRequestError ? new UsageError(e.message) : e;
    });
    process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    return 0;
  } finally {
    await store.close();
  }
}
