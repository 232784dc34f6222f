import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'csv-parse';
import { EVENT_SCHEMAS, type EventType } from '../events/schema.js';
import { fileFingerprint, resumeToken, verifiedOffset } from './file-fingerprint.js';
import type { FileSourceOptions } from './jsonl-file-source.js';
import type { Source, SourceBatch, SourceRecord } from './source.js';

/**
 * How a CSV file becomes events: every row becomes one event of `type`; `columns` maps event fields
 * to CSV column names and `constants` fills fields the file does not have. Values are converted to
 * the field's type from the event schema (numbers, booleans, `a|b` lists; an empty cell is null
 * where the field allows null).
 */
export const CsvMapping = Type.Object(
  {
    type: Type.Union(Object.keys(EVENT_SCHEMAS).map((t) => Type.Literal(t))),
    columns: Type.Record(Type.String(), Type.String({ minLength: 1 })),
    constants: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
  },
  { additionalProperties: false },
);
export type CsvMapping = Static<typeof CsvMapping>;

export class CsvMappingError extends Error {}

type Converter = (cell: string) => unknown;

/**
 * A CSV file plus a mapping file. Resumes after a number of data rows, once the bytes before that
 * row still match (see `resumeToken`); otherwise it reads from the start and the log deduplicates.
 */
export class CsvFileSource implements Source {
  private constructor(
    readonly id: string,
    readonly name: string,
    private readonly path: string,
    private readonly mapping: CsvMapping,
    private readonly opts: FileSourceOptions,
  ) {}

  static async open(path: string, mappingPath: string, opts: FileSourceOptions): Promise<CsvFileSource> {
    const mapping = parseMapping(await readFile(mappingPath, 'utf8').catch(() => {
      throw new CsvMappingError(`CSV ${path} needs a mapping file: ${mappingPath} not found (or pass PATH.csv=MAPPING.json)`);
    }), mappingPath);
    return new CsvFileSource(`csv:${await fileFingerprint(path)}`, path, path, mapping, opts);
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    const [rowText, offsetToken] = (resumeFrom ?? '').split('@');
    const skip = resumeFrom && (await verifiedOffset(this.path, offsetToken)) > 0 ? Number(rowText) : 0;
    const total = (await stat(this.path)).size;
    const schema = EVENT_SCHEMAS[this.mapping.type as EventType] as unknown as { properties: Record<string, TSchema> };
    const converters = new Map(Object.keys(this.mapping.columns).map((field) => [field, converterFor(schema.properties[field])]));
    const parser = createReadStream(this.path).pipe(
      parse({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true, raw: true, info: true, delimiter: this.mapping.delimiter ?? ',' }),
    );
    let records: SourceRecord[] = [];
    let row = 0;
    let bytes = 0;
    let checkedHeader = false;
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; raw: string; info: { bytes: number } }>) {
      if (!checkedHeader) {
        const missing = Object.values(this.mapping.columns).filter((c) => !(c in item.record));
        if (missing.length) throw new CsvMappingError(`CSV ${this.path}: mapped columns not in the header: ${missing.join(', ')}`);
        checkedHeader = true;
      }
      row++;
      bytes = item.info.bytes;
      if (row <= skip) continue;
      const raw = item.raw.replace(/\r?\n$/, '');
      const record: SourceRecord = { position: row, raw, rawBytes: Buffer.byteLength(raw) };
      try {
        const value: Record<string, unknown> = { type: this.mapping.type, ...this.mapping.constants };
        for (const [field, column] of Object.entries(this.mapping.columns)) value[field] = converters.get(field)!(item.record[column] ?? '');
        record.value = value;
      } catch (e) {
        record.error = (e as Error).message;
      }
      records.push(record);
      if (records.length >= this.opts.batchRecords) {
        const [atRow, atBytes] = [row, bytes];
        yield { records, resumeFrom: async () => `${atRow}@${await resumeToken(this.path, atBytes)}`, progress: { done: bytes, total } };
        records = [];
      }
    }
    yield { records, resumeFrom: async () => `${row}@${await resumeToken(this.path, bytes)}`, progress: { done: total, total } };
  }
}

function parseMapping(text: string, path: string): CsvMapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CsvMappingError(`mapping ${path}: invalid JSON (${(e as Error).message})`);
  }
  if (!Value.Check(CsvMapping, json)) {
    const err = Value.Errors(CsvMapping, json).First();
    throw new CsvMappingError(`mapping ${path}: ${err?.path || '/'} ${err?.message}`);
  }
  const schema = EVENT_SCHEMAS[json.type as EventType] as unknown as { properties: Record<string, unknown> };
  const unknownFields = [...Object.keys(json.columns), ...Object.keys(json.constants ?? {})].filter((f) => !(f in schema.properties));
  if (unknownFields.length) throw new CsvMappingError(`mapping ${path}: not fields of ${json.type}: ${unknownFields.join(', ')}`);
  return json;
}

/** Converts a cell to what the field's schema expects; anything odd is left for validation to reject with its reason. */
function converterFor(schema: TSchema | undefined): Converter {
  const variants: TSchema[] = schema?.anyOf ?? (schema ? [schema] : []);
  const nullable = variants.some((v) => v.type === 'null');
  const kind = variants.find((v) => v.type !== 'null')?.type as string | undefined;
  return (cell) => {
    const v = cell.trim();
    if (v === '' && nullable) return null;
    switch (kind) {
      case 'number':
      case 'integer':
        return v === '' || Number.isNaN(Number(v)) ? v : Number(v);
      case 'boolean':
        if (/^(true|1|yes)$/i.test(v)) return true;
        if (/^(false|0|no)$/i.test(v)) return false;
        return v;
      case 'array':
        return v === '' ? [] : v.split('|').map((s) => s.trim());
      default:
        return cell;
    }
  };
}
