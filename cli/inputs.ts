import { extname } from 'node:path';
import type { Config } from '../config/config.js';
import { MappingError } from '../ingest/column-mapping.js';
import { CsvFileSource } from '../ingest/csv-file-source.js';
import { JsonlFileSource } from '../ingest/jsonl-file-source.js';
import { RECORDS_PER_READ, type Source } from '../ingest/source.js';
import { UsageError } from './errors.js';

/**
 * Input specs of `ledgerline run --input`:
 * - `events.jsonl` (or .ndjson): canonical events, one JSON object per line;
 * - `orders.csv` with a mapping file beside it: `orders.csv.mapping.json`, or `orders.csv=mapping.json`;
 * - `moves.arrow` (.feather, .arrows, .ipc: Arrow IPC file or stream) with a mapping file, as for CSV;
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
      else if (ARROW_EXTENSIONS.includes(ext)) {
        // Loaded only when needed: apache-arrow is a large module most runs do not use.
        const { ArrowFileSource } = await import('../ingest/arrow-file-source.js');
        sources.push(await ArrowFileSource.open(path, mapping ?? `${path}.mapping.json`, opts));
      }
      else if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') sources.push(await JsonlFileSource.open(path, opts));
      else throw new UsageError(`input ${spec}: unknown kind (use .jsonl, .csv or .arrow/.feather with a mapping, or generator:…)`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`input ${spec}: file not found (${(e as Error).message})`);
      if (e instanceof MappingError) throw new UsageError(e.message);
      throw e;
    }
  }
  return sources;
}

const ARROW_EXTENSIONS = ['.arrow', '.feather', '.arrows', '.ipc'];
