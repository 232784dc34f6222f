/**
 * `npm run bench:forecast`: fit + forecast many daily demand series with intervals.
 *
 * BENCH_SERIES series (default 10,000) × BENCH_DAYS days (default 365) from the generator's demand
 * model (models/forecast/synthetic-series.ts: a mix of smooth, erratic, intermittent and lumpy
 * series), forecast BENCH_HORIZON days ahead (default 28) with BENCH_LEVEL intervals (default 0.95)
 * by the `auto` spec on BENCH_WORKERS worker threads (default 2). BENCH_SMOOTH sets the method for
 * smooth/erratic series (default: auto's, seasonal-ets; `mstl` to compare). Prints one JSON line:
 * series, days, horizon, workers, seconds (forecasting only), series_per_s, methods (counts),
 * patterns (counts), generate_seconds.
 */
import { forecastSeries } from '../models/forecast/forecast.js';
import { parseForecastSpec, type SmoothMethod } from '../models/forecast/spec.js';
import { syntheticDemandSeries } from '../models/forecast/synthetic-series.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const HORIZON = Number(process.env.BENCH_HORIZON ?? 28);
const LEVEL = Number(process.env.BENCH_LEVEL ?? 0.95);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const METHOD = process.env.BENCH_METHOD ?? 'auto';
const SMOOTH = process.env.BENCH_SMOOTH as SmoothMethod | undefined;

const generateStart = performance.now();
const series = syntheticDemandSeries(SERIES, DAYS, 1);
const generateSeconds = (performance.now() - generateStart) / 1000;

const spec = parseForecastSpec({ kind: METHOD, horizon: HORIZON, level: LEVEL, ...(SMOOTH ? { params: { smooth: SMOOTH } } : {}) });
const started = performance.now();
const forecasts = await forecastSeries(series, spec, {
  workers: WORKERS,
  onProgress: process.stderr.isTTY ? (done, total) => process.stderr.write(`\rforecasting ${done}/${total}`) : undefined,
});
const seconds = (performance.now() - started) / 1000;
if (process.stderr.isTTY) process.stderr.write('\n');

const count = (keys: string[]) => Object.fromEntries([...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].sort());
process.stdout.write(
  `${JSON.stringify({
    series: SERIES,
    days: DAYS,
    method: METHOD,
    horizon: HORIZON,
    level: LEVEL,
    workers: WORKERS,
    seconds: Math.round(seconds * 100) / 100,
    series_per_s: Math.round(SERIES / seconds),
    methods: count(forecasts.map((f) => f.method)),
    patterns: count(forecasts.map((f) => f.pattern)),
    generate_seconds: Math.round(generateSeconds * 100) / 100,
  })}\n`,
);
