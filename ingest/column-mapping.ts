/**
 * How the columns of a tabular file (CSV, Arrow IPC/Feather) become canonical events: the mapping
 * file of a backfill (docs/backfill.md). It is checked once, when the input is opened, against the
 * event schema and then against the file's header, so that a typo fails the run up front naming the
 * mapping file and the field or column, instead of dead-lettering every row. Per row it only
 * converts cells; a cell it cannot convert makes a row error naming the column, and everything else
 * (ranges, enums, required fields) is left to the shared validation (`events/validate.ts`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from '../events/schema.js';
import { compileDateFormat, dateTimeCell, DateCellError, DATE_FORMAT_HELP, type DateParser } from './date-formats.js';

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
const EventTypeName = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));

const FieldSpec = Type.Object(
  {
    column: Type.String({ minLength: 1 }),
    format: Type.Optional(Type.String({ minLength: 1, description: DATE_FORMAT_HELP })),
    zone: Type.Optional(Type.String({ minLength: 1 })),
    values: Type.Optional(Type.Record(Type.String(), Scalar)),
    prefix: Type.Optional(Type.String()),
    unit: Type.Optional(
      Type.Object(
        {
          column: Type.Optional(Type.String({ minLength: 1 })),
          value: Type.Optional(Type.String({ minLength: 1 })),
          factors: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), { minProperties: 1 }),
          per_unit: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    default: Type.Optional(Scalar),
  },
  { additionalProperties: false },
);

/** The mapping file as written (docs/backfill.md describes every key). */
export const MappingFile = Type.Object(
  {
    type: Type.Union([EventTypeName, Type.Object({ column: Type.String({ minLength: 1 }), values: Type.Optional(Type.Record(Type.String(), EventTypeName)) }, { additionalProperties: false })]),
    columns: Type.Record(Type.String(), Type.Union([Type.String({ minLength: 1 }), FieldSpec])),
    constants: Type.Optional(Type.Record(Type.String(), Type.Union([Scalar, Type.Array(Type.String())]))),
    zone: Type.Optional(Type.String({ minLength: 1 })),
    decimal: Type.Optional(Type.Union([Type.Literal('.'), Type.Literal(',')])),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
  },
  { additionalProperties: false },
);
export type MappingFile = Static<typeof MappingFile>;
type FieldSpec = Static<typeof FieldSpec>;

/** The mapping file itself is wrong, or does not fit the file it maps: nothing can be read. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
}

/** One row cannot be mapped; the message names the column (the row goes to dead letters). */
export class RowError extends Error {}

/** A cell could not be converted; `column` overrides the column named (a unit column, say). */
class CellProblem extends Error {
  constructor(
    message: string,
    readonly column?: string,
  ) {
    super(message);
  }
}

/**
 * One row's cells by column index of the bound header. An accessor rather than an array: a columnar
 * source then reads only the cells the row's type maps (a wide file with a type column reads a
 * fraction of its columns per row).
 */
export interface Row {
  cell(index: number): unknown;
}

/** A row held as an array (CSV); `cells` is replaced per row, so one instance serves a whole file. */
export class CellsRow implements Row {
  constructor(public cells: ArrayLike<unknown> = []) {}
  cell(index: number): unknown {
    return this.cells[index];
  }
}

type Convert = (cell: unknown, row: Row) => unknown;

interface FieldPlan {
  field: string;
  column: string;
  index: number;
  convert: Convert;
}

interface TypePlan {
  type: EventType;
  constants: Record<string, unknown>;
  fields: FieldPlan[];
  /** Builds the row's event in one object literal (see `compileBuilder`); throws what a converter throws. */
  build: (row: Row) => Record<string, unknown>;
}

/** Maps one row of cells (by column index of the bound header) to an event candidate. */
export interface RowMapper {
  /** Throws `RowError` naming the column when a cell cannot be converted. */
  map(row: Row): Record<string, unknown>;
  /** Indices of the columns the mapping reads. */
  readonly columnIndices: readonly number[];
}

export class ColumnMapping {
  private constructor(
    readonly path: string,
    private readonly file: MappingFile,
  ) {}

  /**
   * Identifies what the mapping says (not its path or layout). Sources put it in their id, so that a
   * file run again with a corrected mapping is read again from the start — the rows it now maps are
   * logged, the others are duplicates — instead of resuming at the end of the file.
   */
  get fingerprint(): string {
    return createHash('sha256').update(JSON.stringify(this.file)).digest('hex').slice(0, 12);
  }

  /** Reads and checks a mapping file; `input` is the data file it is for (named in errors). */
  static async load(path: string, input: string): Promise<ColumnMapping> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new MappingError(`${input} needs a mapping file: ${path} not found (put one beside it, or pass ${input}=MAPPING.json)`);
    }
    return ColumnMapping.parse(text, path);
  }

  static parse(text: string, path: string): ColumnMapping {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new MappingError(`mapping ${path}: invalid JSON (${(e as Error).message})`);
    }
    if (!Value.Check(MappingFile, json)) {
      const err = Value.Errors(MappingFile, json).First();
      throw new MappingError(`mapping ${path}: ${err?.path || '/'}: ${err?.message}${err?.value === undefined ? '' : ` (got ${JSON.stringify(err.value)?.slice(0, 80)})`}`);
    }
    const mapping = new ColumnMapping(path, json);
    // Compiling every type's plan checks field names, formats, zones and units now, not per row.
    mapping.plans(new Map(mapping.columnNames.map((c, i) => [c, i])));
    return mapping;
  }

  get delimiter(): string {
    return this.file.delimiter ?? ',';
  }

  /** Every column the mapping reads, in a stable order. */
  get columnNames(): string[] {
    const names = new Set<string>();
    if (typeof this.file.type === 'object') names.add(this.file.type.column);
    for (const spec of Object.values(this.file.columns)) {
      const s: FieldSpec = typeof spec === 'string' ? { column: spec } : spec;
      names.add(s.column);
      if (s.unit?.column) names.add(s.unit.column);
    }
    return [...names];
  }

  /** The event types rows can have. */
  get types(): EventType[] {
    const t = this.file.type;
    if (typeof t === 'string') return [t];
    return t.values ? [...new Set(Object.values(t.values))] : [...EVENT_TYPES];
  }

  /** Binds the mapping to a file's header; throws naming the columns the file lacks. */
  bind(header: readonly string[], input: string): RowMapper {
    const index = new Map<string, number>();
    header.forEach((name, i) => {
      if (!index.has(name)) index.set(name, i);
    });
    const missing = this.columnNames.filter((c) => !index.has(c));
    if (missing.length) {
      const shown = header.slice(0, 40).map((h) => JSON.stringify(h)).join(', ');
      throw new MappingError(`${input}: columns named by mapping ${this.path} are not in the file: ${missing.map((m) => JSON.stringify(m)).join(', ')} (the file has ${shown}${header.length > 40 ? ', …' : ''})`);
    }
    const plans = this.plans(index);
    const columnIndices = this.columnNames.map((c) => index.get(c)!);
    const t = this.file.type;
    if (typeof t === 'string') {
      const plan = plans.get(t)!;
      return { columnIndices, map: (row) => mapRow(plan, row) };
    }
    const typeIndex = index.get(t.column)!;
    // Maps, not the parsed objects: a cell "constructor" must not find Object's prototype.
    const values = t.values && new Map(Object.entries(t.values));
    return {
      columnIndices,
      map: (row) => {
        const cell = row.cell(typeIndex);
        const text = cell === null || cell === undefined ? '' : String(cell).trim();
        const type = values ? values.get(text) : text;
        const plan = type === undefined ? undefined : plans.get(type as EventType);
        if (!plan) {
          const known = values ? [...values.keys()] : EVENT_TYPES;
          throw new RowError(`column ${JSON.stringify(t.column)} → type: ${text === '' ? 'empty' : `unknown event type ${JSON.stringify(text.slice(0, 80))}`} (known: ${known.join(', ')})`);
        }
        return mapRow(plan, row);
      },
    };
  }

  private plans(index: Map<string, number>): Map<EventType, TypePlan> {
    const types = this.types;
    const where = `mapping ${this.path}`;
    const schemaOf = (type: EventType) => (EVENT_SCHEMAS[type] as unknown as { properties: Record<string, TSchema> }).properties;
    const fieldsOfAny = new Set(types.flatMap((t) => Object.keys(schemaOf(t))));
    for (const field of [...Object.keys(this.file.columns), ...Object.keys(this.file.constants ?? {})]) {
      if (field === 'type') throw new MappingError(`${where}: "type" is not a column or constant: set it with the mapping's "type" (an event type, or {"column": …})`);
      if (!fieldsOfAny.has(field)) {
        const unknown = [...Object.keys(this.file.columns), ...Object.keys(this.file.constants ?? {})].filter((f) => !fieldsOfAny.has(f));
        throw new MappingError(`${where}: not fields of ${types.length === 1 ? types[0] : `any of ${types.join(', ')}`}: ${unknown.join(', ')} (docs/events.md lists each type's fields)`);
      }
    }
    const both = Object.keys(this.file.columns).filter((f) => Object.hasOwn(this.file.constants ?? {}, f));
    if (both.length) throw new MappingError(`${where}: ${both.join(', ')} both in "columns" and in "constants": keep one (a column's empty cells can take a "default")`);
    if (this.file.decimal === this.delimiter) throw new MappingError(`${where}: "decimal" and "delimiter" are both "${this.delimiter}"`);
    const plans = new Map<EventType, TypePlan>();
    for (const type of types) {
      const props = schemaOf(type);
      const constants: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(this.file.constants ?? {})) if (Object.hasOwn(props, field)) constants[field] = value;
      const fields: FieldPlan[] = [];
      for (const [field, raw] of Object.entries(this.file.columns)) {
        if (!Object.hasOwn(props, field)) continue;
        const spec: FieldSpec = typeof raw === 'string' ? { column: raw } : raw;
        let convert: Convert;
        try {
          convert = converter(props[field]!, spec, this.file, index);
        } catch (e) {
          throw new MappingError(`${where}: columns.${field} (column ${JSON.stringify(spec.column)}): ${(e as Error).message}`);
        }
        fields.push({ field, column: spec.column, index: index.get(spec.column) ?? -1, convert });
      }
      plans.set(type, { type, constants, fields, build: compileBuilder(type, constants, fields) });
    }
    return plans;
  }
}

/**
 * A function returning the event as one object literal with every field, generated per event type.
 * Objects made that way get their final shape at once; adding a dozen fields one by one to a spread
 * of the constants was the mapping's main cost in the backfill profile. Field names enter the code
 * only as JSON string literals, values only through the arrays passed in.
 */
function compileBuilder(type: EventType, constants: Record<string, unknown>, fields: FieldPlan[]): (row: Row) => Record<string, unknown> {
  const constantNames = Object.keys(constants);
  const props = [
    'type: T',
    ...constantNames.map((name, i) => `${JSON.stringify(name)}: C[${i}]`),
    ...fields.map((f, i) => `${JSON.stringify(f.field)}: F[${i}](row.cell(${f.index}), row)`),
  ];
  const factory = new Function('T', 'C', 'F', `return function build(row) { return { ${props.join(', ')} }; };`) as (t: EventType, c: unknown[], f: Convert[]) => (row: Row) => Record<string, unknown>;
  return factory(type, constantNames.map((n) => constants[n]), fields.map((f) => f.convert));
}

function mapRow(plan: TypePlan, row: Row): Record<string, unknown> {
  try {
    return plan.build(row);
  } catch {
    // Rare (a bad row): convert again field by field to know which column failed.
  }
  const value: Record<string, unknown> = { type: plan.type, ...plan.constants };
  const fields = plan.fields;
  let i = 0;
  try {
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      value[f.field] = f.convert(row.cell(f.index), row);
    }
  } catch (e) {
    const f = fields[i]!;
    if (!(e instanceof CellProblem || e instanceof DateCellError)) throw e;
    const column = (e instanceof CellProblem && e.column) || f.column;
    const cell = e instanceof CellProblem && e.column ? undefined : row.cell(f.index);
    const got = cell === undefined || cell === null || cell === '' ? '' : ` (got ${describe(cell)})`;
    throw new RowError(`column ${JSON.stringify(column)} → /${f.field}: ${e.message}${got}`);
  }
  return value;
}

function describe(cell: unknown): string {
  const text = typeof cell === 'bigint' ? `${cell}` : (JSON.stringify(cell) ?? String(cell));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

const isEmpty = (cell: unknown) => cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');
/** A plain decimal number: no hex, no "Infinity", no thousands separators (ambiguous across locales). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The conversion of one field's cells, from the field's schema (its JSON type, nullability and
 * format) and the spec. Throws a plain Error when the spec does not fit the field.
 */
function converter(schema: TSchema, spec: FieldSpec, file: MappingFile, index: Map<string, number>): Convert {
  const variants: TSchema[] = schema.anyOf ?? [schema];
  const nullable = variants.some((v) => v.type === 'null');
  const main: TSchema = variants.find((v) => v.type !== 'null') ?? ({} as TSchema);
  const kind = main.type as string | undefined;
  const isDate = kind === 'string' && main.format === 'date-time';
  const numeric = kind === 'number' || kind === 'integer';
  if (spec.format !== undefined && !isDate && !numeric) throw new Error('"format" applies to date-time fields (or to a number such as version, as epoch ms)');
  if (spec.unit !== undefined && !numeric) throw new Error('"unit" applies to number fields');
  if (spec.prefix !== undefined && (kind !== 'string' || isDate)) throw new Error('"prefix" applies to text fields');
  const unit = spec.unit && unitConverter(spec.unit, index);
  const requiresText = kind === 'string' && !isDate && (main.minLength ?? 0) > 0;
  const values = spec.values && new Map(Object.entries(spec.values));
  const fallback = spec.default;

  let parseDate: DateParser | undefined;
  if (isDate || (numeric && spec.format !== undefined)) {
    const format = spec.format ?? 'iso';
    parseDate = compileDateFormat(format, spec.zone ?? file.zone ?? 'UTC');
  }
  const decimalComma = file.decimal === ',';

  let convert: Convert;
  if (isDate) {
    convert = dateTimeCell(parseDate!, spec.format ?? 'iso');
  } else if (numeric && parseDate) {
    convert = parseDate;
  } else if (numeric) {
    convert = (cell, row) => {
      let n: number;
      if (typeof cell === 'number') n = cell;
      else if (typeof cell === 'bigint') n = Number(cell);
      else {
        let text = String(cell).trim();
        if (decimalComma) text = text.replace(',', '.');
        if (!NUMBER.test(text)) throw new CellProblem(decimalComma ? 'not a number (decimal comma expected)' : 'not a number');
        n = Number(text);
      }
      return unit ? unit(n, row) : n;
    };
  } else if (kind === 'boolean') {
    convert = (cell) => {
      if (typeof cell === 'boolean') return cell;
      const text = String(cell).trim();
      if (/^(true|1|yes|y)$/i.test(text)) return true;
      if (/^(false|0|no|n)$/i.test(text)) return false;
      throw new CellProblem('not a boolean (true/false, 1/0, yes/no)');
    };
  } else if (kind === 'array') {
    convert = (cell) => {
      if (Array.isArray(cell)) return cell;
      if (typeof cell === 'object' && cell !== null && Symbol.iterator in cell) return Array.from(cell as Iterable<unknown>);
      return String(cell).split('|').map((s) => s.trim()).filter((s) => s !== '');
    };
  } else {
    const prefix = spec.prefix ?? '';
    convert = (cell) => {
      const text = typeof cell === 'string' ? cell.trim() : cell instanceof Date ? cell.toISOString() : String(cell);
      return prefix + text;
    };
  }

  const typed = convert;
  return (cell, row) => {
    if (isEmpty(cell)) {
      if (fallback !== undefined) return fallback;
      if (nullable) return null;
      if (kind === 'array') return [];
      if (kind === 'string' && !requiresText && !isDate) return '';
      throw new CellProblem('empty, and the field needs a value (map a "default", or a constant)');
    }
    if (values !== undefined) {
      const mapped = values.get(typeof cell === 'string' ? cell.trim() : String(cell));
      if (mapped !== undefined) return mapped;
    }
    return typed(cell, row);
  };
}

/** Quantities in the row's unit to the product unit: × factor, or ÷ factor for per-unit values (prices). */
function unitConverter(unit: NonNullable<FieldSpec['unit']>, index: Map<string, number>): (n: number, row: Row) => number {
  if ((unit.column === undefined) === (unit.value === undefined)) throw new Error('"unit" needs exactly one of "column" (the unit per row) or "value" (one unit for the file)');
  const factors = new Map(Object.entries(unit.factors));
  const known = [...factors.keys()].join(', ');
  const apply = (n: number, factor: number) => {
    if (factor === 1) return n;
    // 0.1 × 12 is 1.2000000000000002 in binary floating point: keep 12 significant digits.
    return Number((unit.per_unit ? n / factor : n * factor).toPrecision(12));
  };
  if (unit.value !== undefined) {
    const factor = factors.get(unit.value);
    if (factor === undefined) throw new Error(`unit "${unit.value}" has no factor (known: ${known})`);
    return (n) => apply(n, factor);
  }
  const column = unit.column!;
  const at = index.get(column) ?? -1;
  return (n, row) => {
    const cell = row.cell(at);
    const name = cell === null || cell === undefined ? '' : String(cell).trim();
    const factor = factors.get(name);
    if (factor === undefined) throw new CellProblem(`${name === '' ? 'no unit' : `unknown unit ${JSON.stringify(name.slice(0, 40))}`} (known: ${known})`, column);
    return apply(n, factor);
  };
}
