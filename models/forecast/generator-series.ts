/**
 * Daily demand series from a generated dataset's ground truth (ingest/generator), built straight
 * from truth/sales_lines.jsonl rather than through the pipeline, so tests and the benchmark
 * measure forecasting on demand that is known independently: per sku@warehouse, the sum of
 * qty_ordered by the UTC day of ordered_at; days without orders are 0.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SeriesInput } from './spec.js';

const DAY_MS = 86_400_000;

/** One series per sku@warehouse that has any order, every day from `start` for `days` days. */
export async function salesTruthSeries(datasetDir: string, start: string, days: number): Promise<SeriesInput[]> {
  const text = await readFile(join(datasetDir, 'truth', 'sales_lines.jsonl'), 'utf8');
  const first = Date.parse(`${start}T00:00:00Z`);
  if (Number.isNaN(first)) throw new Error(`salesTruthSeries: start ${start} is not a YYYY-MM-DD date`);
  const byKey = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { sku: string; warehouse: string; ordered_at: string; qty_ordered: number };
    const day = Math.floor((Date.parse(row.ordered_at) - first) / DAY_MS);
    if (day < 0 || day >= days) throw new Error(`salesTruthSeries: ${row.ordered_at} is outside the ${days} days from ${start}`);
    const key = `${row.sku}@${row.warehouse}`;
    let values = byKey.get(key);
    if (!values) byKey.set(key, (values = new Array<number>(days).fill(0)));
    values[day]! += row.qty_ordered;
  }
  return [...byKey.keys()].sort().map((id) => ({ id, values: byKey.get(id)! }));
}
