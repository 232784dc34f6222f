import { Router } from 'express';
import { isValidInstant } from '../events/validate.js';
import { describeKpis } from '../kpis/describe.js';
import type { Grain, KpiSettings } from '../kpis/kpi.js';
import { KpiRequestError, queryKpi, type KpiRequest } from '../store/kpi-query.js';
import type { Store } from '../store/store.js';
import { HttpError } from './app.js';

/** `GET /api/v1/kpis`: the catalogue; `GET /api/v1/kpis/:name?by=&grain=&from=&to=`: one KPI by period and dimension. */
export function kpiRouter(store: Store, settings: KpiSettings): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ kpis: describeKpis() });
  });
  router.get('/:name', async (req, res) => {
    const request = parseKpiQuery(req.params.name, req.query as Record<string, unknown>);
    try {
      res.json({ kpi: request.name, by: request.by ?? 'company', grain: request.grain ?? 'day', rows: await queryKpi(store, request, settings) });
    } catch (e) {
      throw e instanceof KpiRequestError ? new HttpError(400, e.message) : e;
    }
  });
  return router;
}

function parseKpiQuery(name: string, q: Record<string, unknown>): KpiRequest {
  const known = new Set(['by', 'grain', 'from', 'to']);
  for (const key of Object.keys(q)) if (!known.has(key)) throw new HttpError(400, `unknown query parameter "${key}" (known: ${[...known].join(', ')})`);
  const request: KpiRequest = { name };
  for (const key of known) {
    const v = q[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw new HttpError(400, `${key} must be one non-empty string`);
    if ((key === 'from' || key === 'to') && !isValidInstant(v)) throw new HttpError(400, `${key} must be an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z (got "${v}")`);
    if (key === 'grain') request.grain = v as Grain;
    else request[key as 'by' | 'from' | 'to'] = v;
  }
  return request;
}
