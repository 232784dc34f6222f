import type { RequestHandler } from 'express';
import { describeKpis } from '../kpis/describe.js';
import type { Grain, KpiSettings } from '../kpis/kpi.js';
import { KpiRequestError, queryKpi, type KpiRequest } from '../store/kpi-query.js';
import type { Store } from '../store/store.js';
import { HttpError } from './http-error.js';
import { validated } from './validate.js';

/** `GET /api/v1/kpis`: the catalogue. */
export function kpiCatalogueHandler(): RequestHandler {
  return (_req, res) => {
    res.json({ kpis: describeKpis() });
  };
}

/** `GET /api/v1/kpis/:name?by=&grain=&from=&to=`: one KPI by period and dimension (parameters as in routes.ts; the KPI and its dimension are checked by the query). */
export function kpiHandler(store: Store, settings: KpiSettings): RequestHandler {
  return async (req, res) => {
    const q = validated(res).query;
    const request: KpiRequest = { name: req.params.name as string };
    if (q.by !== undefined) request.by = q.by as string;
    if (q.grain !== undefined) request.grain = q.grain as Grain;
    if (q.from !== undefined) request.from = q.from as string;
    if (q.to !== undefined) request.to = q.to as string;
    try {
      res.json({ kpi: request.name, by: request.by ?? 'company', grain: request.grain ?? 'day', rows: await queryKpi(store, request, settings) });
    } catch (e) {
      throw e instanceof KpiRequestError ? new HttpError(400, e.message) : e;
    }
  };
}
