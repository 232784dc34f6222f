import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CellsRow, ColumnMapping, MappingError, RowError, type RowMapper } from './column-mapping.js';
import { readCsvRecords } from './csv-records.js';
import { fileFingerprint, resumeToken, verifiedOffset } from './file-fingerprint.js';
import type { FileSourceOptions } from './jsonl-file-source.js';
import type { Source, SourceBatch, SourceRecord } from './source.js';

/**
 * A CSV file plus its mapping file (`column-mapping.ts`): every row becomes one event candidate.
 * Positions are data row numbers (1 = the first row after the header). It resumes by seeking to
 * the byte offset after the last row taken, once the bytes before that offset still match (see
 * `resumeToken`); otherwise it reads from the start and the log deduplicates.
 */
export class CsvFileSource implements Source {
  private constructor(
    readonly id: string,
    readonly name: string,
    private readonly path: string,
    private readonly header: { names: string[]; end: number },
    private readonly mapper: RowMapper,
    private readonly delimiter: string,
    private readonly opts: FileSourceOptions,
  ) {}

  /** Opens the file, checks the mapping against its header (throws `MappingError` naming what is missing). */
  static async open(path: string, mappingPath: string, opts: FileSourceOptions): Promise<CsvFileSource> {
    const mapping = await ColumnMapping.load(mappingPath, path);
    const header = await readHeader(path, mapping.delimiter, opts);
    const mapper = mapping.bind(header.names, path);
    return new CsvFileSource(`csv:${await fileFingerprint(path)}:${mapping.fingerprint}`, path, path, header, mapper, mapping.delimiter, opts);
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    const total = (await stat(this.path)).size;
    const [rowText, offsetToken] = (resumeFrom ?? '').split('@');
    const offset = resumeFrom ? await verifiedOffset(this.path, offsetToken) : 0;
    const resumed = offset > this.header.end && Number.isInteger(Number(rowText));
    let row = resumed ? Number(rowText) : 0;
    // Where the rows read so far end: only past a row with its newline (a last row without one may
    // still be being written).
    let resume = resumed ? offset : this.header.end;
    let records: SourceRecord[] = [];
    const reader = readCsvRecords(this.path, {
      from: resume,
      delimiter: this.delimiter,
      maxRecordBytes: this.opts.maxRecordBytes,
      keepBytes: this.opts.keepRawBytes,
      recordsPerYield: this.opts.batchRecords,
    });
    let resumeRow = row;
    const cells = new CellsRow();
    for await (const group of reader) {
      for (const r of group) {
        row++;
        const record: SourceRecord = { position: row, raw: r.text, rawBytes: r.bytes };
        if (r.problem !== undefined) record.error = r.problem;
        else {
          try {
            cells.cells = r.cells!;
            record.value = this.mapper.map(cells);
          } catch (e) {
            if (!(e instanceof RowError)) throw e;
            record.error = e.message;
          }
        }
        records.push(record);
        if (r.terminated) {
          resume = r.end;
          resumeRow = row;
        }
        if (records.length >= this.opts.batchRecords) {
          const [atRow, atBytes] = [resumeRow, resume];
          yield { records, resumeFrom: async () => `${atRow}@${await resumeToken(this.path, atBytes)}`, progress: { done: r.end, total } };
          records = [];
        }
      }
    }
    if (records.length || !resumed) {
      const [atRow, atBytes] = [resumeRow, resume];
      yield { records, resumeFrom: async () => `${atRow}@${await resumeToken(this.path, atBytes)}`, progress: { done: total, total } };
    }
  }

  toString(): string {
    return basename(this.name);
  }
}

/** The header row's column names and the byte offset where the data rows start. */
async function readHeader(path: string, delimiter: string, opts: FileSourceOptions): Promise<{ names: string[]; end: number }> {
  const reader = readCsvRecords(path, { from: 0, delimiter, maxRecordBytes: opts.maxRecordBytes, keepBytes: opts.keepRawBytes, recordsPerYield: 1 });
  try {
    const first = (await reader.next()).value?.[0];
    if (!first) throw new MappingError(`CSV ${path} is empty: the first row must name the columns`);
    if (!first.cells) throw new MappingError(`CSV ${path}: the header row cannot be read with the delimiter ${JSON.stringify(delimiter)} (the mapping's "delimiter"): ${first.problem}`);
    return { names: first.cells.map((c) => c.trim()), end: first.end };
  } finally {
    await reader.return();
  }
}
