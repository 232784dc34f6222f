import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { registerArrowCodecs } from './arrow-codecs.js';
import { cellReader, type CellReader } from './arrow-columns.js';
import { ColumnMapping, MappingError, RowError, type Row, type RowMapper } from './column-mapping.js';
import { fileFingerprint } from './file-fingerprint.js';
import type { FileSourceOptions } from './jsonl-file-source.js';
import type { Source, SourceBatch, SourceRecord } from './source.js';

/** The first bytes of the Arrow IPC file format (Feather v2); the stream format has none. */
const FILE_MAGIC = Buffer.from('ARROW1');

/**
 * An Arrow IPC file — the file format (Feather v2, `.arrow`/`.feather`) or the stream format
 * (`.arrows`/`.ipc`) — plus its mapping file (`column-mapping.ts`): every row becomes one event
 * candidate. Record batches are read one at a time, so a file larger than memory works as long as
 * one record batch fits. Positions are row numbers (1 = the first row); the resume position is
 * record batch + row within it, checked against a hash of the row before it so that another file
 * with the same first bytes does not resume at a wrong place. The file format resumes by seeking
 * to the batch (its footer has every batch's offset); the stream format reads the batches before it.
 */
export class ArrowFileSource implements Source {
  private constructor(
    readonly id: string,
    readonly name: string,
    private readonly path: string,
    private readonly columns: string[],
    private readonly mapper: RowMapper,
    private readonly opts: FileSourceOptions,
  ) {}

  /** Opens the file, checks the mapping against its schema (throws `MappingError` naming what is missing). */
  static async open(path: string, mappingPath: string, opts: FileSourceOptions): Promise<ArrowFileSource> {
    const mapping = await ColumnMapping.load(mappingPath, path);
    const input = await openArrow(path);
    let columns: string[];
    try {
      columns = input.reader.schema.fields.map((f) => f.name);
    } finally {
      await input.close();
    }
    const mapper = mapping.bind(columns, path);
    return new ArrowFileSource(`arrow:${await fileFingerprint(path)}:${mapping.fingerprint}`, path, path, columns, mapper, opts);
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    const at = parseToken(resumeFrom);
    const input = await openArrow(this.path);
    try {
      let batchIndex = 0;
      let rowsBefore = 0;
      let startRow = 0;
      // The file format seeks straight to the batch; the stream format skips the ones before it.
      let next = at && input.file ? at.batch : 0;
      const nextBatch = async (): Promise<RecordBatch | null> => {
        if (input.file) return next < input.file.batches ? input.file.read(next++) : null;
        const r = await input.reader.next();
        return r.done ? null : (r.value as RecordBatch);
      };
      if (at) {
        let batch: RecordBatch | null = null;
        let index = input.file ? at.batch : 0;
        for (; ; index++) {
          batch = await nextBatch();
          if (!batch || index >= at.batch) break;
        }
        const readers = batch ? this.readers(batch) : undefined;
        const fits = batch && readers && at.row >= 1 && at.row <= batch.numRows && rowHash(this.rowJson(readers, at.row - 1)) === at.check;
        if (fits) {
          batchIndex = at.batch;
          rowsBefore = at.rowsBefore;
          startRow = at.row;
          yield* this.rowsOf(batch!, readers!, batchIndex, startRow, rowsBefore, input);
          rowsBefore += batch!.numRows;
          batchIndex++;
        } else {
          // Not this file's position (another file with the same first bytes): read it all; the log deduplicates.
          await input.close();
          yield* this.batches();
          return;
        }
      }
      for (let batch = await nextBatch(); batch; batch = await nextBatch()) {
        yield* this.rowsOf(batch, this.readers(batch), batchIndex, 0, rowsBefore, input);
        rowsBefore += batch.numRows;
        batchIndex++;
      }
      if (!at && batchIndex === 0) yield { records: [], resumeFrom: async () => '', progress: { done: 1, total: 1 } };
    } finally {
      await input.close();
    }
  }

  /** One batch's rows from `start`, in source batches of `batchRecords`. */
  private *rowsOf(batch: RecordBatch, readers: CellReader[], batchIndex: number, start: number, rowsBefore: number, input: ArrowInput): Generator<SourceBatch> {
    const cells = new BatchRow(readers);
    const rowJson = (row: number) => this.rowJson(readers, row);
    for (let from = start; from < batch.numRows; from += this.opts.batchRecords) {
      const to = Math.min(batch.numRows, from + this.opts.batchRecords);
      const records: SourceRecord[] = [];
      for (let row = from; row < to; row++) {
        cells.row = row;
        const record = new ArrowRecord(rowsBefore + row + 1, rowJson, row);
        try {
          record.value = this.mapper.map(cells);
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
          record.error = e.message;
        }
        records.push(record);
      }
      const last = to - 1;
      yield {
        records,
        resumeFrom: async () => `${batchIndex}:${last + 1}:${rowsBefore}:${rowHash(rowJson(last))}`,
        progress: input.progress(batchIndex, to / batch.numRows),
      };
    }
  }

  private readers(batch: RecordBatch): CellReader[] {
    const readers: CellReader[] = new Array(this.columns.length);
    for (const c of this.mapper.columnIndices) {
      const vector = batch.getChildAt(c);
      if (!vector || batch.schema.fields[c]?.name !== this.columns[c]) {
        throw new MappingError(`Arrow ${this.path}: record batch ${batch.schema.fields.map((f) => f.name).join(', ')} does not have the columns of the file's schema`);
      }
      readers[c] = cellReader(vector);
    }
    return readers;
  }

  /** The mapped columns of one row as JSON text: what a dead letter keeps of an Arrow row. */
  private rowJson(readers: CellReader[], row: number): string {
    const out: Record<string, unknown> = {};
    for (const c of this.mapper.columnIndices) {
      const v = readers[c]!(row);
      out[this.columns[c]!] = typeof v === 'bigint' ? v.toString() : v;
    }
    return JSON.stringify(out);
  }

  toString(): string {
    return basename(this.name);
  }
}

/** The cells of one row of a record batch, read when the mapping asks for them. */
class BatchRow implements Row {
  row = 0;
  constructor(private readonly readers: CellReader[]) {}
  cell(index: number): unknown {
    return this.readers[index]!(this.row);
  }
}

/**
 * A row of an Arrow file as a source record. Its raw text (JSON of the mapped cells) is made only
 * when asked, which is for dead letters: making it for every row would cost as much as mapping it.
 */
class ArrowRecord implements SourceRecord {
  rawBytes = 0;
  value?: unknown;
  error?: string;
  constructor(
    readonly position: number,
    private readonly text: (row: number) => string,
    private readonly row: number,
  ) {}

  get raw(): string {
    return this.text(this.row);
  }
}

function rowHash(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

interface Position {
  batch: number;
  row: number;
  rowsBefore: number;
  check: string;
}

function parseToken(token: string | undefined): Position | undefined {
  const m = /^(\d+):(\d+):(\d+):([0-9a-f]{16})$/.exec(token ?? '');
  return m ? { batch: Number(m[1]), row: Number(m[2]), rowsBefore: Number(m[3]), check: m[4]! } : undefined;
}

interface ArrowInput {
  reader: RecordBatchReader;
  /** The file format's random access (absent for the stream format). */
  file?: { batches: number; read(index: number): Promise<RecordBatch | null> };
  progress(batchIndex: number, withinBatch: number): { done: number; total?: number };
  close(): Promise<void>;
}

async function openArrow(path: string): Promise<ArrowInput> {
  registerArrowCodecs();
  const fh: FileHandle = await open(path, 'r');
  let closed = false;
  try {
    const magic = Buffer.alloc(FILE_MAGIC.length);
    await fh.read(magic, 0, magic.length, 0);
    if (magic.equals(FILE_MAGIC)) {
      const reader = await RecordBatchReader.from(fh);
      await reader.open();
      if (!reader.isFile()) throw new Error('expected the Arrow file format');
      const file = reader as unknown as { numRecordBatches: number; readRecordBatch(i: number): Promise<RecordBatch | null> };
      const batches = file.numRecordBatches;
      return {
        reader,
        file: { batches, read: (i) => file.readRecordBatch(i) },
        progress: (b, within) => ({ done: Math.round((b + within) * 1000), total: Math.max(1, batches) * 1000 }),
        close: async () => {
          if (closed) return;
          closed = true;
          await fh.close();
        },
      };
    }
    await fh.close();
    closed = true;
    // The stream format is read front to back; counting the bytes taken gives the progress.
    const total = (await stat(path)).size;
    let done = 0;
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        done += chunk.length;
        yield chunk;
      }
    }
    const reader = (await RecordBatchReader.from(counted())) as RecordBatchReader;
    try {
      await reader.open();
    } catch (e) {
      stream.destroy();
      throw new MappingError(`${path} is not an Arrow IPC file or stream (${(e as Error).message})`);
    }
    if (reader.schema === undefined || reader.schema === null) {
      stream.destroy();
      throw new MappingError(`${path} is not an Arrow IPC file or stream (no schema message at the start)`);
    }
    return {
      reader,
      progress: () => ({ done, total }),
      close: async () => {
        stream.destroy();
      },
    };
  } catch (e) {
    if (!closed) await fh.close();
    throw e;
  }
}
