import type { RequestHandler } from 'express';
import { describeKpis } from '../kpis/describe.js';
import type { Grain, KpiSettings } from '../kpis/kpi.js';
import { KpiRequestError, queryKpi, type KpiRequest } from '../store/kpi-query.js';
import type { Store } from '../store/store.js';
import { HttpError } from './http-error.js';
import { dataScope, describeScope } from './scope.js';
import { principalOf } from './security.js';
import { validated } from './validate.js';

/** `GET /api/v1/kpis`: the catalogue. */
export function kpiCatalogueHandler(): RequestHandler {
  return (_req, res) => {
    res.json({ kpis: describeKpis() });
  };
}

/**
 * `GET /api/v1/kpis/:name?by=&grain=&from=&to=`: one KPI by period and dimension (parameters as in
 * routes.ts; the KPI and its dimension are checked by the query). A key limited to companies gets
 * only theirs aggregated; one limited to warehouses gets the KPI by warehouse only (its warehouses'
 * rows): any other breakdown adds up other warehouses too (api/scope.ts).
 */
export function kpiHandler(store: Store, settings: KpiSettings): RequestHandler {
  return async (req, res) => {
    const q = validated(res).query;
    const scope = dataScope(principalOf(res));
    const request: KpiRequest = { name: req.params.name as string };
    if (q.by !== undefined) request.by = q.by as string;
    if (q.grain !== undefined) request.grain = q.grain as Grain;
    if (q.from !== undefined) request.from = q.from as string;
    if (q.to !== undefined) request.to = q.to as string;
    const by = request.by ?? 'company';
    if (scope?.warehouses.length && by !== 'warehouse') {
      throw new HttpError(403, `this API key is limited to ${describeScope(scope)}: a KPI by ${by} would add up other warehouses too; ask by=warehouse`);
    }
    if (scope?.companies.length) request.companies = scope.companies;
    try {
      let rows = await queryKpi(store, request, settings);
      if (scope?.warehouses.length) rows = rows.filter((r) => scope.warehouses.includes(r.dimension));
      res.json({ kpi: request.name, by, grain: request.grain ?? 'day', rows });
    } catch (e) {
      throw e instanceof KpiRequestError ? new HttpError(400, e.message) : e;
    }
  };
}
