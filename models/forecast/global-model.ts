/**
 * The global model: one small dense net (features → 32 → 16 → 1) trained on every series at
 * once with TensorFlow.js on its wasm backend (tfjs-node cannot be installed here). Where a
 * per-series model sees one history, this one learns the shapes demand takes across all of them —
 * useful for short and noisy series. It predicts one day ahead from lags, rolling means and the
 * day of the week, all scaled by the series' mean (global-features.ts), and walks forward its own
 * predictions for longer horizons. Intervals come from held-out errors (global-common.ts) and are
 * saved with the net (model.json + weights.bin, tfjs-file-io.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import { featureCount } from './global-features.js';
import { forecastWith, heldOutQuantiles, trainingSet, type GlobalModelMeta, type Predictor } from './global-common.js';
import type { ForecastSpec, SeriesForecast, SeriesInput } from './spec.js';
import { fileSystemIO } from './tfjs-file-io.js';

type Tf = typeof TF;
let tfReady: Promise<Tf> | undefined;

/** tfjs on the wasm backend, loaded on first use (it is large, and most commands never need it). */
export function loadTf(): Promise<Tf> {
  tfReady ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend (@tensorflow/tfjs-backend-wasm); reinstall it with npm install');
    await tf.ready();
    return tf;
  })();
  return tfReady;
}

export interface GlobalModel {
  net: TF.LayersModel;
  meta: GlobalModelMeta;
}

export function netPredictor(tf: Tf, net: TF.LayersModel, features: number): Predictor {
  // One call over all rows: on wasm, predict() with its default batches is many times slower.
  return (x, rows) => tf.tidy(() => (net.predictOnBatch(tf.tensor2d(x, [rows, features])) as TF.Tensor).dataSync());
}

function buildNet(tf: Tf, features: number, seed: number): TF.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 31 + k });
  const net = tf.sequential();
  net.add(tf.layers.dense({ inputShape: [features], units: 32, activation: 'relu', kernelInitializer: init(1) }));
  net.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }));
  net.add(tf.layers.dense({ units: 1, kernelInitializer: init(3) }));
  net.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
  return net;
}

export interface TrainOptions {
  /** Days held out at the end of each series to measure the interval errors (the forecast horizon). */
  horizon: number;
  epochs?: number;
  seed?: number;
  season?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Trains the net on all series but their last `horizon` days, then measures the errors on those days. */
export async function trainGlobalModel(series: readonly SeriesInput[], options: TrainOptions): Promise<GlobalModel> {
  const tf = await loadTf();
  const season = options.season ?? 7;
  const epochs = options.epochs ?? 8;
  const seed = options.seed ?? 1;
  const set = trainingSet(series, options.horizon, season, seed);
  const net = buildNet(tf, set.features, seed);
  const xs = tf.tensor2d(set.x, [set.rows, set.features]);
  const ys = tf.tensor2d(set.y, [set.rows, 1]);
  let loss = NaN;
  try {
    const history = await net.fit(xs, ys, {
      epochs,
      batchSize: 512,
      shuffle: false,
      verbose: 0,
      callbacks: { onEpochEnd: (epoch) => options.onProgress?.(epoch + 1, epochs + 1) },
    });
    loss = Number(history.history.loss?.at(-1) ?? NaN);
  } finally {
    xs.dispose();
    ys.dispose();
  }
  const quantiles = heldOutQuantiles(netPredictor(tf, net, set.features), series, set, options.horizon, season);
  options.onProgress?.(epochs + 1, epochs + 1);
  return { net, meta: { format: 'ledgerline-global-forecast', version: 1, season, horizon: options.horizon, quantiles, trained: { series: series.length, rows: set.rows, epochs, seed, loss } } };
}

/** Forecasts every series from its whole history with a trained or loaded model. */
export async function globalForecast(model: GlobalModel, series: readonly SeriesInput[], horizon: number, level: number): Promise<SeriesForecast[]> {
  const tf = await loadTf();
  return forecastWith(netPredictor(tf, model.net, featureCount(model.meta.season)), model.meta, 'global-tfjs', series, horizon, level);
}

export async function saveGlobalModel(model: GlobalModel, dir: string): Promise<void> {
  const tf = await loadTf();
  model.net.setUserDefinedMetadata(model.meta as unknown as Record<string, unknown>);
  await model.net.save(fileSystemIO(dir, tf));
}

export async function loadGlobalModel(dir: string): Promise<GlobalModel> {
  const tf = await loadTf();
  const net = await tf.loadLayersModel(fileSystemIO(dir, tf));
  const meta = net.getUserDefinedMetadata() as unknown as GlobalModelMeta | undefined;
  if (meta?.format !== 'ledgerline-global-forecast' || meta.version !== 1) throw new Error(`${dir} holds a tfjs model but not a ledgerline global forecast model (no or unknown metadata); train one with the global-tfjs method`);
  return { net, meta };
}

/** forecastSeries' global-tfjs path: the model saved in params.modelDir, or one trained on these series. */
export async function forecastGlobal(series: readonly SeriesInput[], spec: ForecastSpec): Promise<SeriesForecast[]> {
  const params = spec.params ?? {};
  const model = params.modelDir
    ? await loadGlobalModel(params.modelDir)
    : await trainGlobalModel(series, {
        horizon: spec.horizon,
        ...(params.epochs !== undefined ? { epochs: params.epochs } : {}),
        ...(params.seed !== undefined ? { seed: params.seed } : {}),
        ...(params.season !== undefined ? { season: params.season } : {}),
      });
  try {
    return await globalForecast(model, series, spec.horizon, spec.level);
  } finally {
    model.net.dispose();
  }
}
