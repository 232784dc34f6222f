/**
 * API keys limited to companies and/or warehouses (api/keys.ts): what such a key may see, and the
 * middleware that holds every data route to it.
 *
 * What a user gets (docs/alerts.md "Keys limited to companies or warehouses"):
 * - naming something outside the key's scope — `?warehouse=WH9`, a KPI broken down in a way that
 *   would mix in other warehouses — is refused with 403 and what the key may ask instead: the caller
 *   asked for data it may not have, and an empty answer would read as "nothing there";
 * - asking without naming answers only what is in scope (rows of other companies or warehouses are
 *   left out, limits and paging apply to what remains);
 * - an alert outside the scope answers 404 like one that does not exist (alerts-route.ts: ids derive
 *   from conditions, so a 403 would confirm one).
 * A route of the table this module does not know answers 403 to a limited key: a new data route is
 * closed to it until its scoping is written here, rather than open by default.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './http-error.js';
import type { Route } from './routes.js';
import { principalOf, type Principal } from './security.js';
import { validated } from './validate.js';

/** The companies and warehouses a key is limited to; an empty list is no limit on that axis. */
export interface DataScope {
  companies: readonly string[];
  warehouses: readonly string[];
}

/** The principal's scope, or undefined when it sees everything. */
export function dataScope(p: Principal | undefined): DataScope | undefined {
  if (p === undefined || p.kind !== 'key' || (p.companies.length === 0 && p.warehouses.length === 0)) return undefined;
  return { companies: p.companies, warehouses: p.warehouses };
}

/** Whether a row about `company` (and `warehouse`, if it has one) is in scope; a row without a warehouse is out of a warehouse-limited scope. */
export function inScope(scope: DataScope | undefined, company: string, warehouse: string | undefined): boolean {
  if (scope === undefined) return true;
  if (scope.companies.length && !scope.companies.includes(company)) return false;
  if (scope.warehouses.length && (warehouse === undefined || !scope.warehouses.includes(warehouse))) return false;
  return true;
}

export function describeScope(scope: DataScope): string {
  return [scope.companies.length ? `companies ${scope.companies.join(', ')}` : '', scope.warehouses.length ? `warehouses ${scope.warehouses.join(', ')}` : ''].filter(Boolean).join(' and ');
}

/** A `warehouse` filter the key may not use: 403. */
export function checkWarehouseFilter(scope: DataScope | undefined, warehouse: unknown): void {
  if (scope === undefined || warehouse === undefined || scope.warehouses.length === 0) return;
  if (!scope.warehouses.includes(String(warehouse))) {
    throw new HttpError(403, `this API key is limited to ${describeScope(scope)}: warehouse ${JSON.stringify(String(warehouse).slice(0, 100))} is outside it; leave warehouse out or pick one of ${scope.warehouses.join(', ')}`);
  }
}

/**
 * Routes answering rows of companies and warehouses, which put the key's scope into their queries
 * (ledger-route.ts, models-route.ts: `scopeConditions`), so that limits count rows in scope.
 */
const ROW_ROUTES = new Set(['ledger', 'stockoutRisk', 'forecasts', 'anomalies']);
/** Routes with no company data: the catalogue, the model registry, the operations endpoints. */
const UNSCOPED = new Set(['health', 'metrics', 'openapi', 'kpiCatalogue', 'models']);
/** Routes that apply the scope themselves (alerts-route.ts, kpi-route.ts). */
const SELF_SCOPED = new Set(['kpi', 'listAlerts', 'alertStream', 'getAlert', 'acknowledgeAlert', 'assignAlert', 'resolveAlert', 'dismissAlert', 'commentAlert']);
/** Keys and rules are admin's, and admin keys cannot be limited. */
const ADMIN_ONLY = new Set(['listKeys', 'createKey', 'revokeKey', 'alertRules']);

/**
 * Holds a request of a limited key to its scope (after validation, before the handler): a filter
 * outside it is refused, routes that do not apply it refused.
 */
export function scopeGuard(route: Route): RequestHandler {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const scope = dataScope(principalOf(res));
    if (scope === undefined || route.access === 'public' || UNSCOPED.has(route.id) || SELF_SCOPED.has(route.id) || ADMIN_ONLY.has(route.id)) return next();
    if (ROW_ROUTES.has(route.id)) {
      checkWarehouseFilter(scope, validated(res).query.warehouse);
      return next();
    }
    throw new HttpError(403, `this API key is limited to ${describeScope(scope)}, and ${route.method.toUpperCase()} ${route.path} cannot be limited that way yet: use a key without limits`);
  };
}

/**
 * SQL conditions (`AND …`, for a WHERE) holding rows with `company` and `warehouse` columns to the
 * scope, with their parameters: pushed into the query, so that a limit counts rows in scope only.
 */
export function scopeConditions(scope: DataScope | undefined): { sql: string; params: Record<string, readonly string[]> } {
  const sql: string[] = [];
  const params: Record<string, readonly string[]> = {};
  if (scope?.companies.length) {
    sql.push('AND has({scope_companies:Array(String)}, company)');
    params.scope_companies = scope.companies;
  }
  if (scope?.warehouses.length) {
    sql.push('AND has({scope_warehouses:Array(String)}, warehouse)');
    params.scope_warehouses = scope.warehouses;
  }
  return { sql: sql.join(' '), params };
}
