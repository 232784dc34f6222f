import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { CsvError, parse } from 'csv-parse';
import { SeriesScorer } from '../models/anomaly/series-score.js';
import { UsageError } from './errors.js';

/** A problem with the input file (not with how the command was called): one line, exit code 1. */
class SeriesInputError extends Error {}

const OUT_COLUMNS = ['line', 'id', 'timestamp', 'value', 'score', 'robust_z', 'typical', 'history', 'gap', 'top_feature', 'reasons'];

/**
 * `ledgerline anomaly score --input series.csv --out scores.csv [--timestamp-col ts] [--value-col value] [--id-col id]`:
 * one online anomaly score per input row (models/anomaly/series-score.ts; docs/anomaly.md). Rows must
 * be in time order within each id: a row's score uses only the rows of its id before it.
 */
export async function anomalyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: 'string' },
      out: { type: 'string' },
      'timestamp-col': { type: 'string' },
      'value-col': { type: 'string' },
      'id-col': { type: 'string' },
    },
  });
  if (positionals[0] !== 'score' || positionals.length !== 1) throw new UsageError(`anomaly: expected "anomaly score --input series.csv --out scores.csv", got "anomaly ${positionals.join(' ')}"`);
  if (!values.input) throw new UsageError('anomaly score: --input FILE.csv is required');
  if (!values.out) throw new UsageError('anomaly score: --out FILE.csv is required');
  const tmp = `${values.out}.tmp-${process.pid}`;
  try {
    const summary = await scoreFile(values.input, tmp, {
      timestamp: values['timestamp-col'] ?? 'ts',
      timestampExplicit: values['timestamp-col'] !== undefined,
      value: values['value-col'] ?? 'value',
      id: values['id-col'] ?? 'id',
      idExplicit: values['id-col'] !== undefined,
    });
    renameSync(tmp, values.out);
    process.stdout.write(`${JSON.stringify({ rows: summary.rows, series: summary.series, flagged_over_0_5: summary.flagged, out: values.out })}\n`);
    return 0;
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof SeriesInputError) {
      process.stderr.write(`ledgerline: anomaly score: ${e.message}\n`);
      return 1;
    }
    if (e instanceof CsvError) {
      process.stderr.write(`ledgerline: anomaly score: ${values.input} is not valid CSV: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

interface Columns {
  timestamp: string;
  timestampExplicit: boolean;
  value: string;
  id: string;
  idExplicit: boolean;
}

async function scoreFile(input: string, out: string, cols: Columns): Promise<{ rows: number; series: number; flagged: number }> {
  try {
    if (!statSync(input).isFile()) throw new SeriesInputError(`${input} is not a file`);
  } catch (e) {
    if (e instanceof SeriesInputError) throw e;
    throw new SeriesInputError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const parser = createReadStream(input).pipe(parse({ bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false }));
  const sink = createWriteStream(out);
  const write = async (line: string) => {
    if (!sink.write(line)) await once(sink, 'drain');
  };
  await write(`${OUT_COLUMNS.join(',')}\n`);
  const scorers = new Map<string, SeriesScorer>();
  const lastTime = new Map<string, { time: number; raw: string; line: number }>();
  let header: string[] | undefined;
  let at = { value: -1, timestamp: -1, id: -1 };
  let rows = 0;
  let flagged = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!header) {
      header = record;
      at = { value: header.indexOf(cols.value), timestamp: header.indexOf(cols.timestamp), id: header.indexOf(cols.id) };
      const listed = `the header has: ${header.map((h) => JSON.stringify(h)).join(', ')}`;
      if (at.value < 0) throw new SeriesInputError(`no value column "${cols.value}" (--value-col); ${listed}`);
      if (at.timestamp < 0 && cols.timestampExplicit) throw new SeriesInputError(`no timestamp column "${cols.timestamp}" (--timestamp-col); ${listed}`);
      if (at.id < 0 && cols.idExplicit) throw new SeriesInputError(`no id column "${cols.id}" (--id-col); ${listed}`);
      continue;
    }
    const line = info.lines;
    const rawValue = record[at.value]!;
    const value = rawValue === '' ? NaN : Number(rawValue);
    if (!Number.isFinite(value)) {
      throw new SeriesInputError(`line ${line}: value ${JSON.stringify(rawValue)} in column "${cols.value}" is not a number; fix or remove the row (every later score of its series depends on it)`);
    }
    const id = at.id >= 0 ? record[at.id]! : '';
    let time = NaN;
    let rawTime = '';
    if (at.timestamp >= 0) {
      rawTime = record[at.timestamp]!;
      time = parseTime(rawTime);
      if (Number.isNaN(time)) throw new SeriesInputError(`line ${line}: timestamp ${JSON.stringify(rawTime)} in column "${cols.timestamp}" is neither an ISO-8601 date/instant nor a number`);
      const prev = lastTime.get(id);
      if (prev && time === prev.time) {
        throw new SeriesInputError(`line ${line}: timestamp ${rawTime}${id ? ` of id ${JSON.stringify(id)}` : ''} repeats line ${prev.line}; keep one row per timestamp (aggregate duplicates first)`);
      }
      if (prev && time < prev.time) {
        throw new SeriesInputError(`line ${line}: timestamp ${rawTime}${id ? ` of id ${JSON.stringify(id)}` : ''} is before line ${prev.line} (${prev.raw}); sort the file by id and timestamp: scores are online, in time order`);
      }
      lastTime.set(id, { time, raw: rawTime, line });
    }
    let scorer = scorers.get(id);
    if (!scorer) scorers.set(id, (scorer = new SeriesScorer()));
    const s = scorer.next(value, time);
    rows++;
    if (s.score > 0.5) flagged++;
    await write(
      `${[line, csvField(id), csvField(rawTime), rawValue, s.score, Number.isNaN(s.robustZ) ? '' : s.robustZ, Number.isNaN(s.typical) ? '' : s.typical, s.history, s.gap, s.reasons[0]?.feature ?? '', csvField(JSON.stringify(s.reasons))].join(',')}\n`,
    );
  }
  sink.end();
  await once(sink, 'finish');
  if (!header) throw new SeriesInputError(`${input} is empty: expected a header row naming the columns (${cols.timestamp}, ${cols.value}[, ${cols.id}]) and then one row per point`);
  if (rows === 0) throw new SeriesInputError(`${input} has a header but no data rows`);
  return { rows, series: scorers.size, flagged };
}

/** An ISO-8601 date or instant, or a plain number (any epoch unit: only the order and spacing matter). */
function parseTime(raw: string): number {
  if (raw === '') return NaN;
  const n = Number(raw);
  if (Number.isFinite(n)) return n;
  return /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
