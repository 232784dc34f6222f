import { parseArgs } from 'node:util';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { Progress } from '../runtime/progress.js';
import { UsageError } from './errors.js';

/** Writes a synthetic distributor's events (DIR/events.jsonl) and its ground truth (DIR/truth/). */
export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '90' },
      skus: { type: 'string', default: '50' },
      warehouses: { type: 'string', default: '3' },
      start: { type: 'string' },
      out: { type: 'string' },
      'late-share': { type: 'string', default: '0.05' },
      'late-max-days': { type: 'string', default: '3' },
      'dup-share': { type: 'string', default: '0.005' },
    },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const int = (name: 'seed' | 'days' | 'skus' | 'warehouses' | 'late-max-days', min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got ${values[name]})`);
    return n;
  };
  const share = (name: 'late-share' | 'dup-share') => {
    const n = Number(values[name]);
    if (!(n >= 0 && n <= 1)) throw new UsageError(`--${name} must be a share from 0 to 1 (got ${values[name]})`);
    return n;
  };
  if (values.start && !/^\d{4}-\d{2}-\d{2}$/.test(values.start)) throw new UsageError(`--start must be YYYY-MM-DD (got ${values.start})`);
  const progress = new Progress();
  const summary = await writeDataset({
    seed: int('seed', 0),
    days: int('days', 1),
    skus: int('skus', 1),
    warehouses: int('warehouses', 1),
    lateness: { share: share('late-share'), maxDays: int('late-max-days', 0) },
    duplicateShare: share('dup-share'),
    ...(values.start ? { start: values.start } : {}),
    out: values.out,
    onProgress: (n) => progress.update(`generating ${values.out}`, n),
  });
  progress.done();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}
