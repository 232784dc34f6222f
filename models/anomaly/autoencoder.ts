/**
 * The learned half of the anomaly scores: an autoencoder per document kind (adjustments, purchase
 * lines) over a vector of what each scored document looked like — its size, value, hour, reason
 * code, share of stock, user habit and the robust statistics' z-scores. Trained on the history, it
 * learns which combinations are normal (a large count by a regular counter at 20:00 with a reason);
 * a document it cannot reconstruct is unusual as a whole even when no single feature is extreme.
 *
 * Its reconstruction error becomes evidence in the same units as the robust statistics
 * (models/anomaly/evidence.ts): the robust z of ln(error) against the training errors, beyond 3σ,
 * capped at 4, so the combined score is 1 − exp(−(S_robust + S_learned) / K) with a `learned`
 * reason beside the others. The streaming processor stays deterministic (the robust scores); the
 * learned part is applied by the scoring job with the promoted model (runtime/anomaly-rescoring.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import { loadTf } from '../forecast/global-model.js';
import { fileSystemIO } from '../forecast/tfjs-file-io.js';
import { round, SCORE_SCALE, scoreOf, type Reason } from './evidence.js';

export type DocumentKind = 'adjustment' | 'purchase';

/** A scored document as stored in `anomaly_scores` (the columns the vector is built from). */
export interface ScoredDocument {
  kind: DocumentKind;
  occurred_at: string;
  score: number;
  reasons: string;
  qty: number;
  price: number;
  actor: string;
  reason_code: string | null;
  system_qty: number | null;
}

export interface AutoencoderMeta {
  format: 'ledgerline-anomaly-autoencoder';
  version: 1;
  kind: DocumentKind;
  features: string[];
  mean: number[];
  std: number[];
  /** Share of training documents per actor (user or vendor): how habitual an actor is. */
  actors: Record<string, number>;
  /** Median and MAD of ln(reconstruction error) over the training documents. */
  errorMedian: number;
  errorMad: number;
  trained: { documents: number; epochs: number; seed: number; loss: number };
}

export interface Autoencoder {
  net: TF.LayersModel;
  meta: AutoencoderMeta;
}

const FEATURES: Record<DocumentKind, string[]> = {
  adjustment: ['ln_size', 'sign', 'ln_value', 'hour_sin', 'hour_cos', 'no_reason', 'ln_system', 'stock_share', 'actor_share', 'z_size', 'z_value', 'z_stock_share'],
  purchase: ['ln_qty', 'ln_price', 'hour_sin', 'hour_cos', 'actor_share', 'z_price', 'z_quantity', 'duplicate'],
};

/** The evidence threshold and cap of the learned part, in robust σ (as the numeric features). */
const LEARNED_THRESHOLD = 3;
const LEARNED_CAP = 4;
/** Fewer documents than this teach an autoencoder nothing useful. */
export const MIN_TRAINING_DOCUMENTS = 50;

export class AnomalyModelError extends Error {
  override name = 'AnomalyModelError';
}

function reasonsOf(doc: ScoredDocument): Reason[] {
  try {
    const parsed = JSON.parse(doc.reasons) as unknown;
    return Array.isArray(parsed) ? (parsed as Reason[]) : [];
  } catch {
    return [];
  }
}

function zOf(reasons: readonly Reason[], feature: string): number {
  const z = reasons.find((r) => r.feature === feature)?.robust_z;
  return typeof z === 'number' && Number.isFinite(z) ? Math.max(-10, Math.min(20, z)) : 0;
}

/** The raw (unstandardised) vector of a document; `actors` are the training shares (unseen: 0). */
export function documentVector(doc: ScoredDocument, actors: Readonly<Record<string, number>>): number[] {
  const hour = (Date.parse(doc.occurred_at) % 86_400_000) / 3_600_000;
  const angle = (2 * Math.PI * hour) / 24;
  const reasons = reasonsOf(doc);
  const actor = actors[doc.actor] ?? 0;
  if (doc.kind === 'adjustment') {
    const size = Math.abs(doc.qty);
    const system = Math.max(0, doc.system_qty ?? 0);
    return [
      Math.log1p(size),
      Math.sign(doc.qty),
      Math.log1p(size * Math.max(0, doc.price)),
      Math.sin(angle),
      Math.cos(angle),
      doc.reason_code === null || doc.reason_code.trim() === '' ? 1 : 0,
      Math.log1p(system),
      Math.min(10, size / Math.max(1, system)),
      actor,
      zOf(reasons, 'size'),
      zOf(reasons, 'value'),
      zOf(reasons, 'stock_share'),
    ];
  }
  return [
    Math.log1p(Math.max(0, doc.qty)),
    Math.log(Math.max(0.01, doc.price)),
    Math.sin(angle),
    Math.cos(angle),
    actor,
    zOf(reasons, 'price'),
    zOf(reasons, 'quantity'),
    reasons.some((r) => r.feature === 'duplicate') ? 1 : 0,
  ];
}

function standardised(vectors: number[][], mean: readonly number[], std: readonly number[]): Float32Array {
  const width = mean.length;
  const out = new Float32Array(vectors.length * width);
  vectors.forEach((v, i) => v.forEach((x, j) => (out[i * width + j] = (x - mean[j]!) / std[j]!)));
  return out;
}

function medianOf(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

async function errorsOf(tf: typeof TF, net: TF.LayersModel, x: Float32Array, rows: number, width: number): Promise<number[]> {
  return tf.tidy(() => {
    const input = tf.tensor2d(x, [rows, width]);
    const output = net.predictOnBatch(input) as TF.Tensor;
    return Array.from(tf.mean(tf.square(tf.sub(output, input)), 1).dataSync());
  });
}

/** Trains one kind's autoencoder on the documents (the anomalies among them are few; it learns the normal). */
export async function trainAutoencoder(
  kind: DocumentKind,
  documents: readonly ScoredDocument[],
  options: { epochs?: number; seed?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Autoencoder> {
  const docs = documents.filter((d) => d.kind === kind);
  if (docs.length < MIN_TRAINING_DOCUMENTS) {
    throw new AnomalyModelError(`only ${docs.length} scored ${kind} documents in the store; an anomaly model needs at least ${MIN_TRAINING_DOCUMENTS} (process more history first)`);
  }
  const tf = await loadTf();
  const epochs = options.epochs ?? 60;
  const seed = options.seed ?? 1;
  const actors: Record<string, number> = {};
  for (const d of docs) actors[d.actor] = (actors[d.actor] ?? 0) + 1 / docs.length;
  const vectors = docs.map((d) => documentVector(d, actors));
  const width = vectors[0]!.length;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const v of vectors) v.forEach((x, j) => (mean[j]! += x / vectors.length));
  for (const v of vectors) v.forEach((x, j) => (std[j]! += (x - mean[j]!) ** 2 / vectors.length));
  for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const x = standardised(vectors, mean, std);

  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 31 + k });
  const net = tf.sequential();
  net.add(tf.layers.dense({ inputShape: [width], units: 8, activation: 'tanh', kernelInitializer: init(1) }));
  net.add(tf.layers.dense({ units: 3, activation: 'tanh', kernelInitializer: init(2) }));
  net.add(tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: init(3) }));
  net.add(tf.layers.dense({ units: width, kernelInitializer: init(4) }));
  net.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const input = tf.tensor2d(x, [docs.length, width]);
  let loss = NaN;
  try {
    const history = await net.fit(input, input, {
      epochs,
      batchSize: 64,
      shuffle: false,
      verbose: 0,
      callbacks: { onEpochEnd: (epoch) => options.onProgress?.(epoch + 1, epochs) },
    });
    loss = Number(history.history.loss?.at(-1) ?? NaN);
  } finally {
    input.dispose();
  }
  const logErrors = (await errorsOf(tf, net, x, docs.length, width)).map((e) => Math.log(Math.max(e, 1e-9))).sort((a, b) => a - b);
  const errorMedian = medianOf(logErrors);
  const errorMad = medianOf(logErrors.map((e) => Math.abs(e - errorMedian)).sort((a, b) => a - b)) || 1e-6;
  return {
    net,
    meta: { format: 'ledgerline-anomaly-autoencoder', version: 1, kind, features: FEATURES[kind], mean, std, actors, errorMedian, errorMad, trained: { documents: docs.length, epochs, seed, loss } },
  };
}

export interface LearnedScore {
  /** Reconstruction error (mean squared, standardised units). */
  error: number;
  robust_z: number;
  /** Evidence the learned part adds (0 within normal). */
  evidence: number;
  /** The combined score: the robust evidence plus this, through the same mapping. */
  combined: number;
  reason: Reason | null;
}

/** Scores documents of the model's kind: learned evidence and the combined score of each. */
export async function learnedScores(model: Autoencoder, documents: readonly ScoredDocument[]): Promise<LearnedScore[]> {
  if (documents.length === 0) return [];
  const tf = await loadTf();
  const { meta } = model;
  const x = standardised(documents.map((d) => documentVector(d, meta.actors)), meta.mean, meta.std);
  const errors = await errorsOf(tf, model.net, x, documents.length, meta.mean.length);
  return documents.map((doc, i) => {
    const error = errors[i]!;
    const z = (Math.log(Math.max(error, 1e-9)) - meta.errorMedian) / (1.4826 * meta.errorMad);
    const evidence = Math.min(LEARNED_CAP, Math.max(0, z - LEARNED_THRESHOLD));
    // The stored score is 1 − exp(−S/K): its evidence S back (a score of 1 is evidence beyond the caps).
    const robust = doc.score >= 1 ? 10 * SCORE_SCALE : -SCORE_SCALE * Math.log(1 - doc.score);
    return {
      error: round(error, 6),
      robust_z: round(z, 2),
      evidence: round(evidence, 3),
      combined: round(scoreOf(robust + evidence), 6),
      reason: evidence > 0 ? { feature: 'learned', value: round(error, 4), typical: round(Math.exp(meta.errorMedian), 4), robust_z: round(z, 2), evidence: round(evidence, 3) } : null,
    };
  });
}

export async function saveAutoencoder(model: Autoencoder, dir: string): Promise<void> {
  const tf = await loadTf();
  model.net.setUserDefinedMetadata(model.meta as unknown as Record<string, unknown>);
  await model.net.save(fileSystemIO(dir, tf));
}

export async function loadAutoencoder(dir: string): Promise<Autoencoder> {
  const tf = await loadTf();
  const net = await tf.loadLayersModel(fileSystemIO(dir, tf));
  const meta = net.getUserDefinedMetadata() as unknown as AutoencoderMeta | undefined;
  if (meta?.format !== 'ledgerline-anomaly-autoencoder' || meta.version !== 1) {
    throw new AnomalyModelError(`${dir} holds a tfjs model but not a Ledgerline anomaly autoencoder; train one with \`ledgerline models train --kind anomaly\``);
  }
  return { net, meta };
}
