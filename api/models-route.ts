import type { RequestHandler } from 'express';
import { ModelRegistry } from '../models/registry.js';
import { ANOMALY_MODEL } from '../runtime/anomaly-rescoring.js';
import { FORECAST_MODEL } from '../runtime/scoring-job.js';
import type { Store } from '../store/store.js';
import { dataScope, scopeConditions } from './scope.js';
import { principalOf } from './security.js';
import { validated } from './validate.js';

const MAX_ROWS = 100_000;

/**
 * The scores of the latest scoring run (parameters as in routes.ts, validated before these run),
 * within the key's scope:
 * - `GET /api/v1/stockout-risk?warehouse=&sku=&min_risk=&limit=`: riskiest first;
 * - `GET /api/v1/forecasts?sku=&warehouse=`: the daily forecast with its interval (of the latest
 *   run: a rerun with another model or horizon replaces the whole forecast);
 * - `GET /api/v1/anomalies?kind=&warehouse=&sku=&min_score=&limit=`: scored adjustments and purchase
 *   lines, most anomalous first, with their reasons; `score` is the combined score where the
 *   promoted anomaly model has scored the document, else the robust one;
 * - `GET /api/v1/models`: every version in the registry and its status.
 */
export function modelsHandlers(store: Store): Record<'stockoutRisk' | 'forecasts' | 'anomalies' | 'models', RequestHandler> {
  return {
    stockoutRisk: async (_req, res) => {
      const q = validated(res).query;
      const scope = scopeConditions(dataScope(principalOf(res)));
      const minRisk = (q.min_risk as number | undefined) ?? 0;
      const limit = (q.limit as number | undefined) ?? MAX_ROWS;
      const rows = await store.query(
        `SELECT company, sku, warehouse, toString(as_of) AS as_of, horizon_days, round(risk, 4) AS risk, days_of_cover,
                toString(expected_stockout_day) AS expected_stockout_day, suggested_order_qty, net, quarantined, in_transit, inbound,
                lead_time_days, forecast_units, model_version
         FROM (SELECT * FROM stockout_risk FINAL WHERE as_of = (SELECT max(as_of) FROM stockout_risk) AND risk >= {min:Float64} ${filters(q)} ${scope.sql})
         ORDER BY risk DESC, sku, warehouse LIMIT ${limit}`,
        { min: minRisk, ...params(q), ...scope.params },
      );
      res.json({ rows });
    },
    forecasts: async (_req, res) => {
      const q = validated(res).query;
      const scope = scopeConditions(dataScope(principalOf(res)));
      const rows = await store.query(
        `SELECT company, sku, warehouse, toString(as_of) AS as_of, toString(day) AS day, round(mean, 4) AS mean, round(lower, 4) AS lower,
                round(upper, 4) AS upper, level, method, model_version
         FROM (
           SELECT * FROM demand_forecasts FINAL
           WHERE (as_of, scored_at) = (SELECT as_of, max(scored_at) FROM demand_forecasts WHERE as_of = (SELECT max(as_of) FROM demand_forecasts) GROUP BY as_of)
             ${filters(q)} ${scope.sql})
         ORDER BY company, sku, warehouse, day`,
        { ...params(q), ...scope.params },
      );
      res.json({ rows });
    },
    anomalies: async (_req, res) => {
      const q = validated(res).query;
      const scope = scopeConditions(dataScope(principalOf(res)));
      const minScore = (q.min_score as number | undefined) ?? 0;
      const limit = (q.limit as number | undefined) ?? 1000;
      const promoted = await new ModelRegistry(store).promoted(ANOMALY_MODEL);
      const rows = await store.query<{ reasons: string; learned: string | null }>(
        `SELECT a.company AS company, a.kind AS kind, a.doc_id AS doc_id, a.related_id AS related_id, a.sku AS sku, a.warehouse AS warehouse,
                formatDateTime(a.occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS occurred_at, a.score AS robust_score, a.reasons AS reasons, a.model AS robust_model,
                if(m.doc_id = '', NULL, m.combined) AS learned_combined, if(m.doc_id = '', NULL, m.learned_z) AS learned_z,
                if(m.doc_id = '', NULL, m.learned_evidence) AS learned_evidence, ifNull(learned_combined, robust_score) AS score
         FROM (SELECT * FROM anomaly_scores FINAL WHERE 1 ${q.kind !== undefined ? 'AND kind = {kind:String}' : ''} ${filters(q)} ${scope.sql}) AS a
         LEFT JOIN (SELECT * FROM anomaly_model_scores FINAL WHERE model_version = {version:UInt32}) AS m
           ON a.company = m.company AND a.kind = m.kind AND a.doc_id = m.doc_id AND a.log_offset = m.source_offset
         WHERE score >= {min:Float64}
         ORDER BY score DESC, doc_id LIMIT ${limit}`,
        { ...params(q), ...scope.params, ...(q.kind !== undefined ? { kind: q.kind } : {}), version: promoted?.version ?? 0, min: minScore },
      );
      res.json({ model_version: promoted?.version ?? null, rows: rows.map((r) => ({ ...r, reasons: JSON.parse(r.reasons) as unknown })) });
    },
    models: async (_req, res) => {
      const registry = new ModelRegistry(store);
      res.json({ versions: [...(await registry.list(FORECAST_MODEL)), ...(await registry.list(ANOMALY_MODEL))] });
    },
  };
}

function filters(q: Record<string, string | number>): string {
  return ['sku', 'warehouse']
    .filter((k) => q[k] !== undefined)
    .map((k) => `AND ${k} = {${k}:String}`)
    .join(' ');
}

function params(q: Record<string, string | number>): Record<string, string> {
  const p: Record<string, string> = {};
  for (const k of ['sku', 'warehouse']) if (q[k] !== undefined) p[k] = String(q[k]);
  return p;
}
