import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { backtest, type BacktestReport } from '../models/forecast/backtest.js';
import { parseForecastSpec, type ForecastSpec, type SeriesInput } from '../models/forecast/spec.js';
import { ModelRegistry, RegistryError, type ModelVersion } from '../models/registry.js';
import { riskSettings } from '../models/stockout-scores.js';
import { ANOMALY_MODEL, rescoreAnomalies } from '../runtime/anomaly-rescoring.js';
import { DEFAULT_FORECAST_SPEC, FORECAST_MODEL, scoreStockouts } from '../runtime/scoring-job.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import { dayIso, epochDay, queryInventoryHistory } from '../store/inventory-history-query.js';
import type { Store } from '../store/store.js';
import { UsageError } from './errors.js';
import { writeJsonLines } from './json-lines.js';
import { openQueryStore } from './open-store.js';

const SUBCOMMANDS = ['list', 'train', 'backtest', 'promote', 'rollback', 'score'] as const;
/** `--kind` → the registry kind. */
const KINDS: Record<string, string> = { forecast: FORECAST_MODEL, anomaly: ANOMALY_MODEL };

/**
 * `ledgerline models list|train|backtest|promote|rollback|score [--kind forecast|anomaly]`: the
 * registry. `train` fits a candidate and registers it with its metrics and files — a forecast spec
 * backtested on the store's demand (rolling origins, against seasonal-naive and plain ETS), or the
 * anomaly autoencoders on the scored documents; `promote` makes a version the one the scoring uses
 * (a running `run`/`api` picks it up at its next scoring); `rollback` goes back to the version
 * promoted before; `score` forecasts, scores stockout risk and applies the anomaly model now.
 */
export async function modelsCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  if (!SUBCOMMANDS.includes(sub as (typeof SUBCOMMANDS)[number])) {
    throw new UsageError(`models needs one of ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      method: { type: 'string', default: DEFAULT_FORECAST_SPEC.kind },
      horizon: { type: 'string', default: String(DEFAULT_FORECAST_SPEC.horizon) },
      level: { type: 'string', default: String(DEFAULT_FORECAST_SPEC.level) },
      params: { type: 'string' },
      origins: { type: 'string', default: '4' },
      epochs: { type: 'string' },
      note: { type: 'string', default: '' },
      'as-of': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  if (values.kind !== undefined && !(values.kind in KINDS)) throw new UsageError(`--kind ${values.kind}: one of ${Object.keys(KINDS).join(', ')}`);
  const kind = KINDS[values.kind ?? 'forecast']!;
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const registry = new ModelRegistry(store);
    const actor = process.env.USER ?? userInfo().username;
    const home = resolve(config.LEDGERLINE_MODEL_DIR, kind);
    switch (sub) {
      case 'list': {
        const kinds = values.kind === undefined ? Object.values(KINDS) : [kind];
        for (const k of kinds) writeJsonLines((await registry.list(k)).map(summary));
        return 0;
      }
      case 'train': {
        if (kind === ANOMALY_MODEL) {
          const epochs = values.epochs === undefined ? undefined : positiveInt('epochs', values.epochs);
          const spec = { model: 'autoencoder', ...(epochs !== undefined ? { epochs } : {}) };
          const version = await registerWithFiles(registry, home, actor, async (dir) => {
            const { trainAnomalyModels } = await import('../runtime/anomaly-training.js');
            const t = await trainAnomalyModels(store, dir, { ...(epochs !== undefined ? { epochs } : {}), onProgress: progressLine('training') });
            return { kind, spec, train_from: t.from, train_to: t.to, series: t.documents, metrics: t.metrics, note: values.note };
          });
          writeJsonLines([summary(version)]);
          return 0;
        }
        const spec = specFrom(values);
        if (spec.params?.modelDir !== undefined) throw new UsageError('--params modelDir: the registry keeps the weights it trains itself; leave it out');
        const origins = positiveInt('origins', values.origins);
        const data = await trainingSeries(store);
        const report = await runBacktest(data.series, spec, origins);
        const version = await registerWithFiles(registry, home, actor, async (dir) => {
          writeFileSync(join(dir, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
          writeFileSync(join(dir, 'backtest.json'), `${JSON.stringify(report, null, 2)}\n`);
          if (spec.kind === 'global-tfjs') {
            const { trainGlobalModel, saveGlobalModel } = await import('../models/forecast/global-model.js');
            const p = spec.params ?? {};
            const model = await trainGlobalModel(data.series, {
              horizon: spec.horizon,
              onProgress: progressLine('training'),
              ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
              ...(p.seed !== undefined ? { seed: p.seed } : {}),
              ...(p.season !== undefined ? { season: p.season } : {}),
            });
            await saveGlobalModel(model, dir);
            model.net.dispose();
          }
          return { kind, spec, train_from: data.from, train_to: data.to, series: data.series.length, metrics: report, note: values.note };
        });
        writeJsonLines([summary(version)]);
        return 0;
      }
      case 'backtest': {
        if (kind !== FORECAST_MODEL) throw new UsageError('only forecast models are backtested (anomaly labels do not exist in production; `models list` shows their training metrics)');
        const version = await registry.get(FORECAST_MODEL, versionArg(positionals));
        const data = await trainingSeries(store);
        writeJsonLines([{ version: version.version, ...compact(await runBacktest(data.series, parseForecastSpec(version.spec), positiveInt('origins', values.origins))) }]);
        return 0;
      }
      case 'promote': {
        const { promoted, previous } = await registry.promote(kind, versionArg(positionals), actor);
        writeJsonLines([{ kind, promoted: promoted.version, retired: previous?.version ?? null }]);
        return 0;
      }
      case 'rollback': {
        const { promoted, retired } = await registry.rollback(kind, actor);
        writeJsonLines([{ kind, promoted: promoted.version, retired: retired.version }]);
        return 0;
      }
      default: {
        const asOf = values['as-of'];
        const asOfDay = asOf === undefined ? undefined : dayFlag(asOf);
        const time = await streamTime(new Checkpoints(store));
        if (asOfDay !== undefined && time !== undefined && asOfDay > epochDay(Date.parse(time))) {
          throw new UsageError(`--as-of ${asOf} is after the latest processed event (${time.slice(0, 10)}): scores are of what is known`);
        }
        const result = await scoreStockouts(store, {
          settings: riskSettings(config),
          ...(asOfDay !== undefined ? { asOfDay } : {}),
          onProgress: progressLine('forecasting'),
        });
        if (!result) throw new RegistryError('nothing to score: no events have been processed into this store yet');
        writeJsonLines([{ ...result, anomalies: (await rescoreAnomalies(store)) ?? null }]);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}

/**
 * Writes a version's files aside, then moves them to the version's own directory (`v<N>`, or
 * `v<N>-<time>` if that name is taken, e.g. by another store sharing LEDGERLINE_MODEL_DIR: nothing
 * is ever overwritten) and registers the version with it: a registered version always has its files.
 */
async function registerWithFiles(
  registry: ModelRegistry,
  home: string,
  actor: string,
  write: (dir: string) => Promise<Omit<ModelVersion, 'version' | 'status' | 'created_at' | 'artifact'>>,
): Promise<ModelVersion> {
  const staging = join(home, `.staging-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(staging, { recursive: true });
    const fields = await write(staging);
    return await registry.register(fields, actor, (n) => {
      const plain = join(home, `v${n}`);
      const dir = existsSync(plain) ? `${plain}-${Date.now().toString(36)}` : plain;
      renameSync(staging, dir);
      return dir;
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).syscall) {
      throw new ModelFilesError(`could not write the model's files under ${home} (${(e as Error).message}): check LEDGERLINE_MODEL_DIR and that it is writable`);
    }
    throw e;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The model directory cannot be written (a message, not a stack trace). */
class ModelFilesError extends Error {
  override name = 'ModelFilesError';
}

function specFrom(values: { method?: string; horizon?: string; level?: string; params?: string }): ForecastSpec {
  let params: unknown;
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params);
    } catch {
      throw new UsageError(`--params must be a JSON object, e.g. '{"smooth":"seasonal-ets"}' (got ${values.params})`);
    }
  }
  return parseForecastSpec({ kind: values.method, horizon: Number(values.horizon), level: Number(values.level), ...(params === undefined ? {} : { params }) });
}

/** Daily demand per SKU and warehouse from the store, up to the day before the stream's latest (the complete days). */
async function trainingSeries(store: Store): Promise<{ series: SeriesInput[]; from: string; to: string }> {
  const time = await streamTime(new Checkpoints(store));
  if (time === undefined) throw new RegistryError('nothing to train on: no events have been processed into this store yet');
  const until = epochDay(Date.parse(time));
  const history = await queryInventoryHistory(store, until, { orderSizes: 0 });
  const series = history.cells.map((c) => ({ id: `${c.company}/${c.sku}@${c.warehouse}`, values: Array.from(c.demand) }));
  if (history.days < 35) throw new RegistryError(`only ${history.days} complete days of demand in the store: a backtest needs at least 35 (four weeks of history and one held out)`);
  return { series, from: dayIso(history.firstDay), to: dayIso(until - 1) };
}

async function runBacktest(series: SeriesInput[], spec: ForecastSpec, origins: number): Promise<BacktestReport> {
  return backtest(series, spec, { origins, onProgress: progressLine('backtesting') });
}

/** Progress on stderr (a TTY rewrites one line; otherwise a line every 10%). */
function progressLine(label: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const pct = Math.floor((done / Math.max(1, total)) * 100);
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${label} ${done}/${total} (${pct}%)${done === total ? '\n' : ''}`);
    else if (Math.floor(pct / 10) > shown) {
      shown = Math.floor(pct / 10);
      process.stderr.write(`${label} ${done}/${total} (${pct}%)\n`);
    }
  };
}

function summary(v: ModelVersion) {
  const metrics = v.kind === FORECAST_MODEL ? compact(v.metrics as BacktestReport | null) : { metrics: v.metrics };
  return { kind: v.kind, version: v.version, status: v.status, spec: v.spec, train_from: v.train_from, train_to: v.train_to, series: v.series, ...metrics, artifact: v.artifact, note: v.note, created_at: v.created_at };
}

/** The backtest's headline: overall MASE, RMSSE, sMAPE, coverage and bias of the model and each baseline. */
function compact(report: BacktestReport | null): { backtest: Record<string, unknown> | null } {
  if (!report?.entries) return { backtest: null };
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    backtest: Object.fromEntries(
      report.entries.map((e) => [e.name, { mase: round(e.overall.mase), rmsse: round(e.overall.rmsse), smape: round(e.overall.smape), coverage: round(e.overall.coverage), bias: round(e.overall.bias) }]),
    ),
  };
}

/** A YYYY-MM-DD flag as days since the epoch; a day that does not exist (2025-02-30) is refused. */
function dayFlag(value: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`--as-of ${value}: give a calendar day, YYYY-MM-DD`);
  }
  return epochDay(ms);
}

function versionArg(positionals: string[]): number {
  const [v, ...extra] = positionals;
  if (v === undefined || extra.length || !/^\d+$/.test(v)) throw new UsageError('give one model version number (see `ledgerline models list`)');
  return Number(v);
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1 (got ${value})`);
  return n;
}
