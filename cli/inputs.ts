import { extname } from 'node:path';
import type { Config } from '../config/config.js';
import { CsvFileSource } from '../ingest/csv-file-source.js';
import { JsonlFileSource } from '../ingest/jsonl-file-source.js';
import { RECORDS_PER_READ, type Source } from '../ingest/source.js';
import { UsageError } from './errors.js';

/**
 * Input specs of `ledgerline run --input`:
 * - `events.jsonl` (or .ndjson): canonical events, one JSON object per line;
 * - `orders.csv` with a mapping file beside it: `orders.csv.mapping.json`, or `orders.csv=mapping.json`;
 * - `generator:seed=1,days=30,skus=20,warehouses=2`: the synthetic distributor, streamed.
 */
export async function openInputs(specs: readonly string[], config: Config): Promise<Source[]> {
  const opts = {
    batchRecords: RECORDS_PER_READ,
    maxRecordBytes: config.LEDGERLINE_MAX_RECORD_BYTES,
    keepRawBytes: config.LEDGERLINE_DEAD_LETTER_RAW_BYTES,
  };
  const sources: Source[] = [];
  for (const spec of specs) {
    if (spec.startsWith('generator:')) {
      const { GeneratorSource } = await import('../ingest/generator/generator-source.js');
      sources.push(GeneratorSource.fromSpec(spec.slice('generator:'.length), opts.batchRecords));
      continue;
    }
    const [path, mapping] = spec.split('=') as [string, string | undefined];
    const ext = extname(path).toLowerCase();
    try {
      if (ext === '.csv') sources.push(await CsvFileSource.open(path, mapping ?? `${path}.mapping.json`, opts));
      else if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') sources.push(await JsonlFileSource.open(path, opts));
      else throw new UsageError(`input ${spec}: unknown kind (use .jsonl, .csv with a mapping, or generator:…)`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`input ${spec}: file not found (${(e as Error).message})`);
      throw e;
    }
  }
  return sources;
}
