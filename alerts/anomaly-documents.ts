import type { DocumentKind } from '../models/anomaly/autoencoder.js';
import { ModelRegistry } from '../models/registry.js';
import { ANOMALY_MODEL } from '../runtime/anomaly-rescoring.js';
import type { Store } from '../store/store.js';
import { parseReasons, round } from './rule.js';

/** A scored document at or above the alert threshold, with the score an alert is judged on. */
export interface AnomalousDocument {
  company: string;
  doc_id: string;
  related_id: string | null;
  event_id: string;
  sku: string;
  warehouse: string;
  occurred_at: string;
  /** The learned combined score where the promoted model scored this version of the document, else the robust one. */
  score: number;
  robust_score: number;
  learned_combined: number | null;
  reasons: { feature: string; evidence: number; [k: string]: unknown }[];
  robust_model: string;
  /** The promoted anomaly model version whose score counted, or null (robust score). */
  model_version: number | null;
  qty: number;
  price: number;
  actor: string;
  reason_code: string | null;
  system_qty: number | null;
}

/**
 * The documents of a kind scoring at least `threshold`, the same score `/api/v1/anomalies` serves: a
 * learned score counts only for the row version it was computed on (a purchase line found to be a
 * duplicate later is judged on its robust score until the model scores the new row).
 */
export async function anomalousDocuments(store: Store, kind: DocumentKind, threshold: number): Promise<AnomalousDocument[]> {
  const promoted = await new ModelRegistry(store).promoted(ANOMALY_MODEL);
  const version = promoted?.version ?? 0;
  type Row = Omit<AnomalousDocument, 'reasons' | 'model_version' | 'score'> & { reasons: string; doc_score: number };
  const rows = await store.query<Row>(
    `SELECT * FROM (
       SELECT a.company AS company, a.doc_id AS doc_id, a.related_id AS related_id, a.event_id AS event_id, a.sku AS sku, a.warehouse AS warehouse,
              formatDateTime(a.occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS occurred_at, a.score AS robust_score, a.reasons AS reasons, a.model AS robust_model,
              if(m.doc_id = '', NULL, m.combined) AS learned_combined, ifNull(learned_combined, robust_score) AS doc_score,
              a.qty AS qty, a.price AS price, a.actor AS actor, a.reason_code AS reason_code, a.system_qty AS system_qty
       FROM (SELECT * FROM anomaly_scores FINAL WHERE kind = {kind:String}) AS a
       LEFT JOIN (SELECT * FROM anomaly_model_scores FINAL WHERE kind = {kind:String} AND model_version = {version:UInt32}) AS m
         ON a.company = m.company AND a.kind = m.kind AND a.doc_id = m.doc_id AND a.log_offset = m.source_offset)
     WHERE doc_score >= {threshold:Float64}
     ORDER BY company, doc_id`,
    { kind, version, threshold },
  );
  return rows.map(({ reasons, doc_score, ...r }) => ({
    ...r,
    score: round(doc_score),
    robust_score: round(r.robust_score),
    learned_combined: r.learned_combined === null ? null : round(r.learned_combined),
    reasons: parseReasons(reasons),
    model_version: r.learned_combined === null ? null : version,
  }));
}

/** The model behind a score, as evidence: the robust scorer's name and the learned version if it counted. */
export function modelEvidence(d: AnomalousDocument): Record<string, unknown> {
  return { robust: d.robust_model, learned_version: d.model_version, score_from: d.model_version === null ? 'robust' : 'learned combined' };
}
