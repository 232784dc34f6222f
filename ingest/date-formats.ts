/**
 * Date and time cells of mapped files (CSV, Arrow) into instants. ERP exports write dates in many
 * ways: ISO with or without a zone, Odoo's `YYYY-MM-DD HH:mm:ss` (UTC in the database, the user's
 * zone in an export), day-first European dates, epoch seconds or milliseconds, or Arrow timestamps.
 * A format is compiled once per mapped field; the per-cell work is a regex and arithmetic, no Date
 * parsing (Date.parse accepts too much: "2025-02-30" becomes March 2nd).
 */

/** Why a cell is not a date in the expected format; the caller adds the column. */
export class DateCellError extends Error {}

/** A compiled format: the cell (string, number, bigint or Date) to epoch milliseconds. */
export type DateParser = (cell: unknown) => number;

export const DATE_FORMAT_HELP =
  'iso, epoch_s, epoch_ms, or a pattern of YYYY MM DD HH mm ss SSS with any separators (e.g. "YYYY-MM-DD HH:mm:ss", "DD/MM/YYYY")';

const TOKENS: Record<string, string> = { YYYY: '(\\d{4})', MM: '(\\d{1,2})', DD: '(\\d{1,2})', HH: '(\\d{1,2})', mm: '(\\d{2})', ss: '(\\d{2})', SSS: '(\\d{1,9})' };
const TOKEN_RE = /YYYY|MM|DD|HH|mm|ss|SSS/g;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
/** Already what the events want (a full instant with a zone): passed on without re-formatting. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/**
 * Compiles `format` in `zone` (UTC, a fixed offset like +02:00, or an IANA name like Europe/Brussels:
 * the zone wall-clock times without their own offset are in). Throws a plain Error saying what is
 * wrong with the format or zone (the mapping loader names the file and field).
 */
export function compileDateFormat(format: string, zone: string): DateParser {
  const toUtc = zoneConverter(zone);
  if (format === 'epoch_s' || format === 'epoch_ms') {
    const scale = format === 'epoch_s' ? 1000 : 1;
    return (cell) => {
      const n = typeof cell === 'number' ? cell : typeof cell === 'bigint' ? Number(cell) : cell instanceof Date ? cell.getTime() / scale : Number(String(cell).trim());
      if (!Number.isFinite(n) || (typeof cell === 'string' && cell.trim() === '')) throw new DateCellError(`not epoch ${format === 'epoch_s' ? 'seconds' : 'milliseconds'}`);
      return Math.round(n * scale);
    };
  }
  if (format === 'iso') {
    return (cell) => {
      const typed = typedInstant(cell);
      if (typed !== undefined) return typed;
      const m = ISO_RE.exec(String(cell).trim());
      if (!m) throw new DateCellError('not an ISO-8601 date or date-time');
      const wall = checked({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0), ms: fraction(m[7]) });
      const offset = m[8];
      if (offset === undefined) return toUtc(wall);
      const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.ms);
      if (offset === 'Z') return local;
      const sign = offset[0] === '-' ? -1 : 1;
      const digits = offset.slice(1).replace(':', '');
      return local - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    };
  }
  const order: string[] = [];
  let source = '^';
  let last = 0;
  for (const m of format.matchAll(TOKEN_RE)) {
    source += escapeRegex(format.slice(last, m.index)) + TOKENS[m[0]]!;
    order.push(m[0]);
    last = m.index + m[0].length;
  }
  source += `${escapeRegex(format.slice(last))}$`;
  if (!order.includes('YYYY') || !order.includes('MM') || !order.includes('DD') || new Set(order).size !== order.length) {
    throw new Error(`unknown date format "${format}": use ${DATE_FORMAT_HELP}`);
  }
  const re = new RegExp(source);
  const at = (token: string) => order.indexOf(token) + 1;
  const [y, mo, d, h, mi, s, f] = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss', 'SSS'].map(at) as [number, number, number, number, number, number, number];
  const fixed = fixedWidth(format);
  return (cell) => {
    const typed = typedInstant(cell);
    if (typed !== undefined) return typed;
    const text = String(cell).trim();
    if (fixed && text.length === format.length) {
      const wall = fixed(text);
      if (wall) return toUtc(checked(wall));
    }
    const m = re.exec(text);
    if (!m) throw new DateCellError(`not a date in the format ${format}`);
    return toUtc(checked({ year: +m[y]!, month: +m[mo]!, day: +m[d]!, hour: h ? +m[h]! : 0, minute: mi ? +m[mi]! : 0, second: s ? +m[s]! : 0, ms: f ? fraction(m[f]) : 0 }));
  };
}

/**
 * A parser for the zero-padded form of a pattern without fractions (`2025-03-01 10:00:00` for
 * `YYYY-MM-DD HH:mm:ss`): digits at fixed places, read by char code. Exports write dates that way
 * nearly always, and the regex was a visible share of a CSV backfill's time. Undefined when the
 * text does not fit (the regex then decides).
 */
function fixedWidth(format: string): ((text: string) => WallClock | undefined) | undefined {
  if (format.includes('SSS')) return undefined;
  const place = (token: string) => format.indexOf(token);
  const [y, mo, d, h, mi, s] = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'].map(place) as [number, number, number, number, number, number];
  const digitsAt = new Set<number>();
  for (const [at, width] of [[y, 4], [mo, 2], [d, 2], [h, 2], [mi, 2], [s, 2]] as const) for (let i = 0; at >= 0 && i < width; i++) digitsAt.add(at + i);
  const literals: [number, number][] = [];
  for (let i = 0; i < format.length; i++) if (!digitsAt.has(i)) literals.push([i, format.charCodeAt(i)]);
  const digitPlaces = [...digitsAt];
  return (text) => {
    for (const [i, code] of literals) if (text.charCodeAt(i) !== code) return undefined;
    for (const i of digitPlaces) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
    }
    const num = (at: number, width: number) => (at < 0 ? 0 : digits(text, at, width));
    return { year: num(y, 4), month: num(mo, 2), day: num(d, 2), hour: num(h, 2), minute: num(mi, 2), second: num(s, 2), ms: 0 };
  };
}

function digits(text: string, at: number, width: number): number {
  let v = 0;
  for (let i = at; i < at + width; i++) v = v * 10 + text.charCodeAt(i) - 48;
  return v;
}

/**
 * Parses a string in a known format that is already canonical without any work; the rest as `parse`.
 * ISO cells with a zone are the common case of JSON-ish exports, and the event wants exactly them.
 */
export function dateTimeCell(parse: DateParser, format: string): (cell: unknown) => string {
  const passThrough = format === 'iso';
  return (cell) => {
    if (passThrough && typeof cell === 'string' && CANONICAL.test(cell)) return cell;
    return isoInstant(parse(cell));
  };
}

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();

/**
 * `new Date(ms).toISOString()` for years 0–9999, about four times faster: the profile of the
 * backfill bench had toISOString as its top function (several dates per row). The date part is
 * cached per day (rows of a backfill cluster in time), the time part is table lookups.
 */
export function isoInstant(epochMs: number): string {
  const ms = Math.floor(epochMs);
  if (!(ms >= -62_167_219_200_000 && ms <= 253_402_300_799_999)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size >= 50_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = (rest / 3_600_000) | 0;
  rest -= hours * 3_600_000;
  const minutes = (rest / 60_000) | 0;
  rest -= minutes * 60_000;
  const seconds = (rest / 1000) | 0;
  return `${prefix}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest - seconds * 1000]}Z`;
}

/** Arrow timestamp and date columns arrive as epoch ms numbers or Dates: they are instants already. */
function typedInstant(cell: unknown): number | undefined {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (cell instanceof Date) return cell.getTime();
  return undefined;
}

function fraction(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000 + 1e-6) : 0;
}

function checked(w: WallClock): WallClock {
  const leap = w.year % 4 === 0 && (w.year % 100 !== 0 || w.year % 400 === 0);
  const days = w.month === 2 && leap ? 29 : DAYS_IN_MONTH[w.month - 1];
  if (days === undefined || w.day < 1 || w.day > days) throw new DateCellError(`no such day ${w.year}-${w.month}-${w.day}`);
  if (w.hour > 23 || w.minute > 59 || w.second > 59) throw new DateCellError(`no such time ${w.hour}:${w.minute}:${w.second}`);
  return w;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
/** Offsets are multiples of 15 minutes and zone transitions fall on such boundaries: cache per quarter hour. */
const QUARTER_HOUR = 15 * 60_000;

/** The function from a wall clock in `zone` to epoch ms. */
function zoneConverter(zone: string): (w: WallClock) => number {
  const utc = (w: WallClock) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  if (zone === 'UTC' || zone === 'Z' || zone === 'Etc/UTC') return utc;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed) {
    const offset = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000;
    return (w) => utc(w) - offset;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new Error(`unknown time zone "${zone}": use UTC, an offset like +02:00, or an IANA name like Europe/Brussels`);
  }
  const cache = new Map<number, number>();
  /** The zone's offset from UTC (ms) at a UTC instant; Intl is slow, so once per quarter hour seen. */
  const offsetAt = (ms: number): number => {
    const key = Math.floor(ms / QUARTER_HOUR);
    let offset = cache.get(key);
    if (offset === undefined) {
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(key * QUARTER_HOUR)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - key * QUARTER_HOUR;
      if (cache.size > 100_000) cache.clear();
      cache.set(key, offset);
    }
    return offset;
  };
  // A wall-clock time skipped by a DST jump resolves with the offset before the jump (so 02:30 on a
  // spring-forward night is 03:30), one repeated by a fall-back to its earlier occurrence, as
  // java.time and Temporal's "compatible" disambiguation do.
  const DAY = 86_400_000;
  return (w) => {
    const local = utc(w);
    const offsetBefore = offsetAt(local - DAY);
    const offsetAfter = offsetAt(local + DAY);
    if (offsetBefore === offsetAfter) return local - offsetBefore;
    const before = local - offsetBefore;
    const after = local - offsetAfter;
    const beforeFits = local - offsetAt(before) === before;
    const afterFits = local - offsetAt(after) === after;
    if (beforeFits && afterFits) return Math.min(before, after);
    if (afterFits) return after;
    return before;
  };
}
