import { join } from 'node:path';
import { AnomalyModelError, MIN_TRAINING_DOCUMENTS, saveAutoencoder, trainAutoencoder, type AutoencoderMeta } from '../models/anomaly/autoencoder.js';
import type { Store } from '../store/store.js';
import { DOCUMENT_COLUMNS, DOCUMENT_KINDS, type StoredDocument } from './anomaly-rescoring.js';

export interface AnomalyTraining {
  /** First and last day (YYYY-MM-DD) of the documents trained on. */
  from: string | null;
  to: string | null;
  documents: number;
  /** Per document kind: what it was trained on and how well it reconstructs (or why it was skipped). */
  metrics: Record<string, Pick<AutoencoderMeta, 'trained' | 'errorMedian' | 'errorMad'> | { skipped: string }>;
}

/**
 * Trains an autoencoder per document kind on every scored document in the store and saves each in
 * `dir/<kind>/`. A kind with too little history is skipped (its documents keep the robust score);
 * with none trainable, it fails saying how much history is needed.
 */
export async function trainAnomalyModels(store: Store, dir: string, options: { epochs?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<AnomalyTraining> {
  const training: AnomalyTraining = { from: null, to: null, documents: 0, metrics: {} };
  for (const [k, kind] of DOCUMENT_KINDS.entries()) {
    const docs = await store.query<StoredDocument>(`SELECT ${DOCUMENT_COLUMNS} FROM anomaly_scores FINAL WHERE kind = {kind:String}`, { kind });
    if (docs.length < MIN_TRAINING_DOCUMENTS) {
      training.metrics[kind] = { skipped: `${docs.length} documents (at least ${MIN_TRAINING_DOCUMENTS} needed)` };
      continue;
    }
    const progress = options.onProgress;
    const model = await trainAutoencoder(kind, docs, {
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(progress ? { onProgress: (done: number, total: number) => progress(k * total + done, DOCUMENT_KINDS.length * total) } : {}),
    });
    try {
      await saveAutoencoder(model, join(dir, kind));
    } finally {
      model.net.dispose();
    }
    const { trained, errorMedian, errorMad } = model.meta;
    training.metrics[kind] = { trained, errorMedian, errorMad };
    training.documents += docs.length;
    for (const d of docs) {
      const day = d.occurred_at.slice(0, 10);
      if (training.from === null || day < training.from) training.from = day;
      if (training.to === null || day > training.to) training.to = day;
    }
  }
  if (training.documents === 0) {
    throw new AnomalyModelError(`no document kind has enough history to train on (${Object.entries(training.metrics).map(([k, m]) => `${k}: ${'skipped' in m ? m.skipped : ''}`).join('; ')}): process more events first`);
  }
  return training;
}
