import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { describeKpis } from '../kpis/describe.js';
import { kpiSettings, type Grain } from '../kpis/kpi.js';
import { KpiRequestError, queryKpi } from '../store/kpi-query.js';
import { UsageError } from './errors.js';
import { checkFormat, instantFlag } from './flags.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

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
  checkFormat(values.format);
  if (values.list) {
    writeJsonLines(describeKpis());
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('which KPI? give its name, or --list for the catalogue');
  if (extra.length) throw new UsageError(`one KPI at a time (got ${positionals.join(', ')})`);
  const from = instantFlag('from', values.from);
  const to = instantFlag('to', values.to);
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const request = { name, by: values.by, grain: values.grain as Grain | undefined, from, to };
    const rows = await queryKpi(store, request, kpiSettings(config)).catch((e: unknown) => {
      throw e instanceof KpiRequestError ? new UsageError(e.message) : e;
    });
    writeJsonLines(rows);
    return 0;
  } finally {
    await store.close();
  }
}
