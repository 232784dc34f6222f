/**
 * Daily series from a CSV file (the generic `ledgerline forecast` input): one row per series and
 * day with an id, a date and a value. Real exports are messy, so every problem is either refused
 * with the line and what to do, or repaired in a documented way and reported:
 *
 * - refused: a missing file, an empty file or one with a header only, a missing column, a date
 *   that is not a day (YYYY-MM-DD or an ISO instant with a zone), a value that is not a finite
 *   number (empty cells included), rows whose column count differs from the header's;
 * - repaired and reported: rows out of date order are sorted; several rows for one series and day
 *   are summed (several order lines of one day); days missing inside a series are filled with 0
 *   (no row: no demand); series with fewer than `minDays` days are left out (there is nothing to
 *   fit on a few days).
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type { SeriesInput } from './spec.js';

export const DAY_MS = 86_400_000;

/** A CSV that cannot be read as daily series; the message names the line and the fix. */
export class SeriesCsvError extends Error {
  override name = 'SeriesCsvError';
}

export interface SeriesCsvOptions {
  timestampCol: string;
  valueCol: string;
  /** The series id column; when it is absent and `idRequired` is false, the whole file is one series. */
  idCol: string;
  idRequired: boolean;
  /** Series with fewer days (first to last, gaps included) are left out (default 7). */
  minDays?: number;
  /** Id of the single series of a file without an id column (default "series"). */
  singleId?: string;
}

export interface DatedSeries extends SeriesInput {
  /** The first day of `values`, as epoch milliseconds of 00:00 UTC. */
  startMs: number;
}

export interface SeriesCsvResult {
  series: DatedSeries[];
  rows: number;
  /** What was repaired or left out, one line each, for stderr. */
  notes: string[];
}

/** The UTC day (epoch ms of 00:00) of a date or an instant; NaN when it is neither. */
export function parseDay(text: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const ms = Date.UTC(y, m - 1, d);
    const back = new Date(ms);
    // Date.UTC rolls 2025-02-30 over to March; a real date comes back unchanged.
    return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? ms : NaN;
  }
  // An instant needs its zone: without it the day would depend on this machine's time zone.
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return NaN;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? NaN : Math.floor(ms / DAY_MS) * DAY_MS;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export async function readSeriesCsv(path: string, options: SeriesCsvOptions): Promise<SeriesCsvResult> {
  try {
    await access(path);
  } catch {
    throw new SeriesCsvError(`cannot read ${path}: no such file (give the path of a CSV with a header row)`);
  }
  const minDays = options.minDays ?? 7;
  const byId = new Map<string, Map<number, number>>();
  const order = new Map<string, { last: number; unsorted: boolean }>();
  let header: string[] | undefined;
  let tsIndex = -1;
  let valueIndex = -1;
  let idIndex = -1;
  let rows = 0;
  let duplicates = 0;
  const parser = createReadStream(path).pipe(parse({ bom: true, skip_empty_lines: true, trim: true, info: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = record;
        const find = (name: string) => header!.indexOf(name);
        tsIndex = find(options.timestampCol);
        valueIndex = find(options.valueCol);
        idIndex = find(options.idCol);
        const missing = [
          ...(tsIndex < 0 ? [`timestamp column "${options.timestampCol}" (--timestamp-col)`] : []),
          ...(valueIndex < 0 ? [`value column "${options.valueCol}" (--value-col)`] : []),
          ...(idIndex < 0 && options.idRequired ? [`id column "${options.idCol}" (--id-col)`] : []),
        ];
        if (missing.length) throw new SeriesCsvError(`${path}: no ${missing.join(', no ')} in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')}); name the right columns with the flags`);
        continue;
      }
      rows++;
      const line = info.lines;
      const tsText = record[tsIndex]!;
      const day = parseDay(tsText);
      if (Number.isNaN(day)) throw new SeriesCsvError(`${path} line ${line}: ${JSON.stringify(tsText)} in column "${options.timestampCol}" is not a date (YYYY-MM-DD) or an ISO instant with a zone`);
      const valueText = record[valueIndex]!;
      const value = valueText === '' ? NaN : Number(valueText);
      if (!Number.isFinite(value)) throw new SeriesCsvError(`${path} line ${line}: ${JSON.stringify(valueText)} in column "${options.valueCol}" is not a number; fix or drop the row (a day without demand can be left out: it counts as 0)`);
      const id = idIndex >= 0 ? record[idIndex]! : (options.singleId ?? 'series');
      let days = byId.get(id);
      if (!days) byId.set(id, (days = new Map()));
      const previous = days.get(day);
      if (previous !== undefined) duplicates++;
      days.set(day, (previous ?? 0) + value);
      const o = order.get(id);
      if (!o) order.set(id, { last: day, unsorted: false });
      else {
        if (day < o.last) o.unsorted = true;
        o.last = Math.max(o.last, day);
      }
    }
  } catch (e) {
    if (e instanceof SeriesCsvError) throw e;
    // csv-parse's messages name the line and the problem (e.g. "Invalid Record Length: expect 3, got 2 on line 5").
    throw new SeriesCsvError(`${path}: not a well-formed CSV: ${(e as Error).message}`);
  }
  if (!header) throw new SeriesCsvError(`${path} is empty; expected a header row (e.g. id,ts,value) and one row per series and day`);
  if (rows === 0) throw new SeriesCsvError(`${path} has a header but no rows; expected one row per series and day`);

  const notes: string[] = [];
  const series: DatedSeries[] = [];
  const unsorted = [...order.values()].filter((o) => o.unsorted).length;
  if (unsorted) notes.push(`${unsorted} series had rows out of date order; sorted by date`);
  if (duplicates) notes.push(`${duplicates} rows repeated a series and day already seen; their values were summed into that day`);
  let filledDays = 0;
  let filledSeries = 0;
  const tooShort: string[] = [];
  for (const id of [...byId.keys()].sort()) {
    const days = byId.get(id)!;
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const startMs = sorted[0]!;
    const length = Math.round((sorted.at(-1)! - startMs) / DAY_MS) + 1;
    if (length < minDays) {
      tooShort.push(id);
      continue;
    }
    const values = new Array<number>(length).fill(0);
    for (const [day, v] of days) values[Math.round((day - startMs) / DAY_MS)] = v;
    const missing = length - days.size;
    if (missing) {
      filledDays += missing;
      filledSeries++;
    }
    series.push({ id, values, startMs });
  }
  if (filledDays) notes.push(`${filledDays} missing days in ${filledSeries} series were filled with 0 (no row: no demand that day)`);
  if (tooShort.length) notes.push(`${tooShort.length} series with fewer than ${minDays} days were left out: ${tooShort.slice(0, 5).join(', ')}${tooShort.length > 5 ? ', …' : ''}`);
  if (series.length === 0) throw new SeriesCsvError(`${path}: no series has at least ${minDays} days from first to last date; a forecast needs at least a week of history`);
  return { series, rows, notes };
}
