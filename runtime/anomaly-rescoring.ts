import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadAutoencoder, learnedScores, type DocumentKind, type ScoredDocument } from '../models/anomaly/autoencoder.js';
import { ModelRegistry } from '../models/registry.js';
import type { Store } from '../store/store.js';

/** The registry kind of the learned anomaly models (an autoencoder per document kind, in sub-directories). */
export const ANOMALY_MODEL = 'anomaly-autoencoder';
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['adjustment', 'purchase'];
/** Documents scored per query and insert (bounded memory on a long history). */
const BATCH = 50_000;

export interface StoredDocument extends ScoredDocument {
  company: string;
  doc_id: string;
  log_offset: number;
}

/** The columns of anomaly_scores a learned model reads. */
export const DOCUMENT_COLUMNS = `company, kind, doc_id, formatDateTime(occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS occurred_at, score, reasons,
  qty, price, actor, reason_code, system_qty, log_offset`;

/**
 * Applies the promoted anomaly model to every document it has not scored yet (or whose robust row
 * was rewritten since) and stores the learned evidence and the combined score. Returns undefined
 * when no anomaly model is promoted.
 */
export async function rescoreAnomalies(store: Store): Promise<{ model_version: number; documents: number } | undefined> {
  const promoted = await new ModelRegistry(store).promoted(ANOMALY_MODEL);
  if (!promoted) return undefined;
  let documents = 0;
  for (const kind of DOCUMENT_KINDS) {
    const dir = join(promoted.artifact, kind);
    // A kind with too little history at training has no model: its documents keep the robust score.
    if (!existsSync(join(dir, 'model.json'))) continue;
    const model = await loadAutoencoder(dir);
    try {
      for (;;) {
        const docs = await store.query<StoredDocument>(
          `SELECT ${DOCUMENT_COLUMNS} FROM anomaly_scores FINAL
           WHERE kind = {kind:String} AND (company, doc_id, log_offset) NOT IN (
             SELECT company, doc_id, source_offset FROM anomaly_model_scores WHERE kind = {kind:String} AND model_version = {version:UInt32})
           ORDER BY company, doc_id LIMIT ${BATCH}`,
          { kind, version: promoted.version },
        );
        if (docs.length === 0) break;
        const scores = await learnedScores(model, docs);
        const scoredAt = new Date().toISOString();
        await store.insert(
          'anomaly_model_scores',
          docs.map((d, i) => ({
            company: d.company,
            kind,
            doc_id: d.doc_id,
            model_version: promoted.version,
            source_offset: d.log_offset,
            error: scores[i]!.error,
            learned_z: scores[i]!.robust_z,
            learned_evidence: scores[i]!.evidence,
            combined: scores[i]!.combined,
            scored_at: scoredAt,
          })),
        );
        documents += docs.length;
        if (docs.length < BATCH) break;
      }
    } finally {
      model.net.dispose();
    }
  }
  return { model_version: promoted.version, documents };
}
