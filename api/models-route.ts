import { Router } from 'express';
import { ModelRegistry } from '../models/registry.js';
import type { DocumentKind } from '../models/anomaly/autoencoder.js';
import { ANOMALY_MODEL, DOCUMENT_KINDS } from '../runtime/anomaly-rescoring.js';
import { FORECAST_MODEL } from '../runtime/scoring-job.js';
import type { Store } from '../store/store.js';
import { HttpError } from './app.js';

const MAX_ROWS = 100_000;

/**
 * The scores of the latest scoring run:
 * - `GET /api/v1/stockout-risk?warehouse=&sku=&min_risk=&limit=`: riskiest first;
 * - `GET /api/v1/forecasts?sku=&warehouse=`: the daily forecast with its interval (of the latest
 *   run: a rerun with another model or horizon replaces the whole forecast);
 * - `GET /api/v1/anomalies?kind=&warehouse=&sku=&min_score=&limit=`: scored adjustments and purchase
 *   lines, most anomalous first, with their reasons; `score` is the combined score where the
 *   promoted anomaly model has scored the document, else the robust one;
 * - `GET /api/v1/models`: every version in the registry and its status.
 */
export function modelsRouter(store: Store): Router {
  const router = Router();
  router.get('/stockout-risk', async (req, res) => {
    const q = query(req.query as Record<string, unknown>, ['warehouse', 'sku', 'min_risk', 'limit']);
    const minRisk = q.min_risk === undefined ? 0 : Number(q.min_risk);
    if (!(minRisk >= 0 && minRisk <= 1)) throw new HttpError(400, `min_risk must be a probability from 0 to 1 (got "${q.min_risk}")`);
    const limit = q.limit === undefined ? MAX_ROWS : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_ROWS}`);
    const rows = await store.query(
      `SELECT company, sku, warehouse, toString(as_of) AS as_of, horizon_days, round(risk, 4) AS risk, days_of_cover,
              toString(expected_stockout_day) AS expected_stockout_day, suggested_order_qty, net, quarantined, in_transit, inbound,
              lead_time_days, forecast_units, model_version
       FROM (SELECT * FROM stockout_risk FINAL WHERE as_of = (SELECT max(as_of) FROM stockout_risk) AND risk >= {min:Float64} ${filters(q)})
       ORDER BY risk DESC, sku, warehouse LIMIT ${limit}`,
      { min: minRisk, ...params(q) },
    );
    res.json({ rows });
  });
  router.get('/forecasts', async (req, res) => {
    const q = query(req.query as Record<string, unknown>, ['warehouse', 'sku']);
    if (q.sku === undefined) throw new HttpError(400, 'sku is required (forecasts are per SKU and warehouse)');
    const rows = await store.query(
      `SELECT company, sku, warehouse, toString(as_of) AS as_of, toString(day) AS day, round(mean, 4) AS mean, round(lower, 4) AS lower,
              round(upper, 4) AS upper, level, method, model_version
       FROM (
         SELECT * FROM demand_forecasts FINAL
         WHERE (as_of, scored_at) = (SELECT as_of, max(scored_at) FROM demand_forecasts WHERE as_of = (SELECT max(as_of) FROM demand_forecasts) GROUP BY as_of)
           ${filters(q)})
       ORDER BY company, sku, warehouse, day`,
      params(q),
    );
    res.json({ rows });
  });
  router.get('/anomalies', async (req, res) => {
    const q = query(req.query as Record<string, unknown>, ['kind', 'warehouse', 'sku', 'min_score', 'limit']);
    if (q.kind !== undefined && !DOCUMENT_KINDS.includes(q.kind as DocumentKind)) throw new HttpError(400, `kind must be one of ${DOCUMENT_KINDS.join(', ')}`);
    const minScore = q.min_score === undefined ? 0 : Number(q.min_score);
    if (!(minScore >= 0 && minScore <= 1)) throw new HttpError(400, `min_score must be from 0 to 1 (got "${q.min_score}")`);
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_ROWS}`);
    const promoted = await new ModelRegistry(store).promoted(ANOMALY_MODEL);
    const rows = await store.query<{ reasons: string; learned: string | null }>(
      `SELECT a.company AS company, a.kind AS kind, a.doc_id AS doc_id, a.related_id AS related_id, a.sku AS sku, a.warehouse AS warehouse,
              formatDateTime(a.occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS occurred_at, a.score AS robust_score, a.reasons AS reasons, a.model AS robust_model,
              if(m.doc_id = '', NULL, m.combined) AS learned_combined, if(m.doc_id = '', NULL, m.learned_z) AS learned_z,
              if(m.doc_id = '', NULL, m.learned_evidence) AS learned_evidence, ifNull(learned_combined, robust_score) AS score
       FROM (SELECT * FROM anomaly_scores FINAL WHERE 1 ${q.kind ? 'AND kind = {kind:String}' : ''} ${filters(q)}) AS a
       LEFT JOIN (SELECT * FROM anomaly_model_scores FINAL WHERE model_version = {version:UInt32}) AS m
         ON a.company = m.company AND a.kind = m.kind AND a.doc_id = m.doc_id AND a.log_offset = m.source_offset
       WHERE score >= {min:Float64}
       ORDER BY score DESC, doc_id LIMIT ${limit}`,
      { ...params(q), ...(q.kind ? { kind: q.kind } : {}), version: promoted?.version ?? 0, min: minScore },
    );
    res.json({ model_version: promoted?.version ?? null, rows: rows.map((r) => ({ ...r, reasons: JSON.parse(r.reasons) as unknown })) });
  });
  router.get('/models', async (_req, res) => {
    const registry = new ModelRegistry(store);
    res.json({ versions: [...(await registry.list(FORECAST_MODEL)), ...(await registry.list(ANOMALY_MODEL))] });
  });
  return router;
}

function query(q: Record<string, unknown>, known: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, v] of Object.entries(q)) {
    if (!known.includes(name)) throw new HttpError(400, `unknown query parameter "${name}" (known: ${known.join(', ')})`);
    if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new HttpError(400, `${name} must be one non-empty string`);
    out[name] = v;
  }
  return out;
}

function filters(q: Record<string, string | undefined>): string {
  return ['sku', 'warehouse']
    .filter((k) => q[k] !== undefined)
    .map((k) => `AND ${k} = {${k}:String}`)
    .join(' ');
}

function params(q: Record<string, string | undefined>): Record<string, string> {
  const p: Record<string, string> = {};
  for (const k of ['sku', 'warehouse']) if (q[k] !== undefined) p[k] = q[k]!;
  return p;
}
