/**
 * Column values as Debezium's PostgreSQL connector writes them (JSON converter) → the values Odoo's
 * ORM returns, so the one Odoo mapping reads them unchanged:
 * - timestamps (`timestamp without time zone`, UTC in Odoo): epoch micros (`io.debezium.time.MicroTimestamp`,
 *   the default `time.precision.mode=adaptive`), millis (`connect`: `org.apache.kafka.connect.data.Timestamp`),
 *   nanos (`io.debezium.time.NanoTimestamp`) or ISO text (`isostring`, converters) → "YYYY-MM-DD HH:MM:SS",
 *   whole seconds, as the ORM serializes them (so `occurred_at` is what the poller reads);
 * - numeric columns: a JSON number (`decimal.handling.mode=double`) or text (`string`); `precise` (the
 *   connector's default: base64 bytes, or a {scale, value} struct for Odoo's unconstrained `numeric`) is refused;
 * - translated columns (jsonb `{"en_US": "Units", …}`, `io.debezium.data.Json` as text) → the en_US text.
 * Without a schema in the message the unit of a bare epoch number is told by its size.
 */

export class ColumnProblem extends Error {}

/** Semantic type names from the message's schema (`schemas.enable=true`), by column. */
export type ColumnTypes = ReadonlyMap<string, string>;

const MICROS = 'io.debezium.time.MicroTimestamp';
const NANOS = 'io.debezium.time.NanoTimestamp';
const MILLIS = 'org.apache.kafka.connect.data.Timestamp';
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00(?::?00)?)?$/;

/** A timestamp column → Odoo's "YYYY-MM-DD HH:MM:SS" (UTC, whole seconds); null stays false, as Odoo reads it. */
export function odooDatetime(column: string, value: unknown, type: string | undefined): string | false {
  if (value === null || value === undefined) return false;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ColumnProblem(`${column} ${value} is not a timestamp`);
    // Schemaless: 2025 is ~1.7e12 ms, ~1.7e15 µs, ~1.7e18 ns; any year 1973–2286 is told apart.
    const unit = type === MICROS ? 1e3 : type === NANOS ? 1e6 : type === MILLIS ? 1 : Math.abs(value) >= 1e17 ? 1e6 : Math.abs(value) >= 1e14 ? 1e3 : 1;
    ms = Math.floor(value / unit);
  } else if (typeof value === 'string') {
    const m = ISO.exec(value);
    if (!m) throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not an ISO timestamp (set time.precision.mode=adaptive or connect)`);
    ms = Date.parse(`${m[1]}T${m[2]}Z`);
  } else {
    throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not a timestamp`);
  }
  if (Number.isNaN(ms)) throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not a timestamp`);
  return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

const CONNECT_DATE = 'org.apache.kafka.connect.data.Date';
const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4}-\d{2}-\d{2})(Z|T00:00:00(\.0+)?Z?)?$/;

/**
 * A `date` column → Odoo's "YYYY-MM-DD"; null stays false. Debezium writes days since the epoch
 * (`io.debezium.time.Date`; `org.apache.kafka.connect.data.Date` in `connect` mode is days too) or ISO text.
 */
export function odooDay(column: string, value: unknown, type: string | undefined): string | false {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number' && Number.isInteger(value)) {
    // Schemaless: a day count is below ~1e5 for any year before 2243; a larger number is epoch millis.
    const ms = type === CONNECT_DATE || Math.abs(value) < 1e7 ? value * DAY_MS : value;
    return new Date(ms).toISOString().slice(0, 10);
  }
  if (typeof value === 'string') {
    const m = ISO_DAY.exec(value);
    if (m) return m[1]!;
  }
  throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not a date (set time.precision.mode=adaptive or connect)`);
}

const DECIMAL_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const PRECISE = new Set(['org.apache.kafka.connect.data.Decimal', 'io.debezium.data.VariableScaleDecimal']);

/** A numeric column → a number; null stays null (the mapping reads a missing quantity as not a number). */
export function odooNumber(column: string, value: unknown, type: string | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (type !== undefined && PRECISE.has(type)) throw preciseRefused(column);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return Number(value);
  if (typeof value === 'string' && /^(NaN|-?Infinity)$/.test(value)) throw new ColumnProblem(`${column} is ${value} (not a quantity or price)`);
  if (typeof value === 'object' || typeof value === 'string') throw preciseRefused(column, value);
  throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not a number`);
}

function preciseRefused(column: string, value?: unknown): ColumnProblem {
  return new ColumnProblem(
    `${column} ${value === undefined ? '' : `${JSON.stringify(value)} `}is a decimal in decimal.handling.mode=precise (bytes): ` +
      'set decimal.handling.mode=double (or string) on the Debezium connector and take a new snapshot',
  );
}

/** A translated column (jsonb) → its en_US text (else the first language), as the ORM reads it without a context language. */
export function odooText(column: string, value: unknown): string | false {
  if (value === null || value === undefined) return false;
  if (typeof value !== 'string') {
    if (typeof value === 'object') return pickLanguage(column, value as Record<string, unknown>);
    return String(value);
  }
  if (!value.startsWith('{')) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  return typeof parsed === 'object' && parsed !== null ? pickLanguage(column, parsed as Record<string, unknown>) : value;
}

function pickLanguage(column: string, translations: Record<string, unknown>): string {
  const text = translations.en_US ?? Object.values(translations)[0];
  if (typeof text !== 'string') throw new ColumnProblem(`${column} ${JSON.stringify(translations)} has no text`);
  return text;
}

/** A company-dependent column (18+: jsonb `{"<company id>": value}`) → the value for `companyId`, else the first. */
export function companyValue(column: string, value: unknown, companyId: number | undefined): number | null {
  if (value === null || value === undefined || value === false) return null;
  let parsed = value;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not JSON`);
    }
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const byCompany = parsed as Record<string, unknown>;
    const v = (companyId !== undefined ? byCompany[String(companyId)] : undefined) ?? Object.values(byCompany)[0];
    return v === undefined ? null : odooNumber(column, v, undefined);
  }
  return odooNumber(column, parsed, undefined);
}

/** A foreign key column → the bare id Odoo's `read(load=None)` gives, or false. */
export function odooId(column: string, value: unknown): number | false {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new ColumnProblem(`${column} ${JSON.stringify(value)} is not a row id`);
}
