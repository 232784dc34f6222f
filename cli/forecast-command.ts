import { once } from 'node:events';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { forecastSeries } from '../models/forecast/forecast.js';
import { readSeriesCsv, formatDay, SeriesCsvError, DAY_MS } from '../models/forecast/series-csv.js';
import { FORECAST_KINDS, ForecastSpecError, parseForecastSpec, type ForecastKind, type SeriesForecast } from '../models/forecast/spec.js';
import { UsageError } from './errors.js';

/**
 * `ledgerline forecast --input series.csv --horizon H --out forecast.csv`: forecasts every daily
 * series of a CSV (id, date, value rows) and writes id, timestamp, mean, lower, upper, method per
 * series and future day. Repairs it made to the input go to stderr, a JSON summary to stdout.
 * Bad flags exit 2 with the usage; an input that cannot be used exits 1 with the reason.
 */
export async function forecastCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      out: { type: 'string' },
      'timestamp-col': { type: 'string', default: 'ts' },
      'value-col': { type: 'string', default: 'value' },
      'id-col': { type: 'string' },
      horizon: { type: 'string' },
      level: { type: 'string', default: '0.8' },
      method: { type: 'string', default: 'auto' },
      workers: { type: 'string' },
    },
  });
  if (!values.input) throw new UsageError('forecast: --input FILE.csv is required');
  if (!values.out) throw new UsageError('forecast: --out FILE.csv is required (- for stdout)');
  if (values.horizon === undefined) throw new UsageError('forecast: --horizon DAYS is required');
  if (!FORECAST_KINDS.includes(values.method as ForecastKind)) throw new UsageError(`forecast: --method ${values.method}: use one of ${FORECAST_KINDS.join(', ')}`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new UsageError(`forecast: --workers ${values.workers}: must be a whole number ≥ 0`);
  let spec;
  try {
    spec = parseForecastSpec({ kind: values.method, horizon: Number(values.horizon), level: Number(values.level) });
  } catch (e) {
    if (e instanceof ForecastSpecError) throw new UsageError(`forecast: --horizon/--level: ${e.message}`);
    throw e;
  }

  let input;
  try {
    input = await readSeriesCsv(values.input, {
      timestampCol: values['timestamp-col'],
      valueCol: values['value-col'],
      idCol: values['id-col'] ?? 'id',
      // Without --id-col a file without an "id" column is one series; with it, the column must be there.
      idRequired: values['id-col'] !== undefined,
    });
  } catch (e) {
    if (e instanceof SeriesCsvError) {
      process.stderr.write(`ledgerline forecast: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const note of input.notes) process.stderr.write(`ledgerline forecast: ${note}\n`);

  // Opened before the work, so a wrong path fails in a second, not after the forecasts; written
  // beside the target and renamed at the end, so a failed run leaves an existing file as it was.
  let file: FileHandle | undefined;
  const partial = `${values.out}.partial-${process.pid}`;
  if (values.out !== '-') {
    try {
      file = await open(partial, 'w');
    } catch (e) {
      process.stderr.write(`ledgerline forecast: cannot write ${values.out}: ${(e as Error).message} (check that the directory exists and is writable)\n`);
      return 1;
    }
  }

  const started = performance.now();
  const tty = process.stderr.isTTY;
  let forecasts: SeriesForecast[];
  let rows: number;
  try {
    forecasts = await forecastSeries(input.series, spec, {
      ...(workers !== undefined ? { workers } : {}),
      ...(tty ? { onProgress: (done: number, total: number) => process.stderr.write(`\r\x1b[Kforecasting ${done}/${total} series`) } : {}),
    });
    if (tty) process.stderr.write('\r\x1b[K');
  } catch (e) {
    await file?.close();
    if (file) await rm(partial, { force: true });
    // A spec or data problem (e.g. series too short for a global model): say it; anything else is a bug and keeps its stack.
    if (e instanceof ForecastSpecError) {
      process.stderr.write(`ledgerline forecast: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    rows = await writeForecastCsv(file, input.series, forecasts);
    if (file) await rename(partial, values.out);
  } catch (e) {
    if (file) await rm(partial, { force: true });
    process.stderr.write(`ledgerline forecast: writing ${values.out} failed: ${(e as Error).message}\n`);
    return 1;
  }
  const methods: Record<string, number> = {};
  for (const f of forecasts) methods[f.method] = (methods[f.method] ?? 0) + 1;
  if (values.out !== '-') {
    process.stdout.write(`${JSON.stringify({ series: forecasts.length, rows, horizon: spec.horizon, level: spec.level, methods, seconds: Math.round((performance.now() - started) / 10) / 100, out: values.out })}\n`);
  }
  return 0;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rounded so the file stays readable; 6 significant digits are far below any forecast's error. */
function num(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Writes the forecasts to the open file (closing it), or to stdout without one; returns the rows written. */
async function writeForecastCsv(file: FileHandle | undefined, series: readonly { id: string; values: number[]; startMs: number }[], forecasts: readonly SeriesForecast[]): Promise<number> {
  const out = file ? file.createWriteStream() : process.stdout;
  let failure: Error | undefined;
  out.on('error', (e) => (failure = e));
  let rows = 0;
  let chunk = 'id,timestamp,mean,lower,upper,method\n';
  const flush = async () => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    chunk = '';
  };
  for (const [i, f] of forecasts.entries()) {
    const s = series[i]!;
    const next = s.startMs + s.values.length * DAY_MS;
    const id = csvField(f.id);
    for (let h = 0; h < f.mean.length; h++) {
      chunk += `${id},${formatDay(next + h * DAY_MS)},${num(f.mean[h]!)},${num(f.lower[h]!)},${num(f.upper[h]!)},${f.method}\n`;
      rows++;
    }
    if (chunk.length > 1 << 20) await flush();
    if (failure) throw failure;
  }
  await flush();
  if (file) {
    // 'close' comes after the data is flushed, and also after an error.
    const closed = once(out, 'close');
    out.end();
    await closed;
  }
  if (failure) throw failure;
  return rows;
}
