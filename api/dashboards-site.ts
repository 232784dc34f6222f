/**
 * The built dashboards, served under /dashboards behind one role (LEDGERLINE_DASHBOARDS_ROLE,
 * executive by default; admin always). It is a file tree, not an endpoint, so it is mounted beside
 * the route table rather than in it, with the same guard (keys, the loopback rule of
 * LEDGERLINE_API_AUTH=auto, role check); keys limited to companies or warehouses are refused. A page pulls tens of scripts and query results at once:
 * its own rate limiter allows that burst without loosening the API's.
 */
import { existsSync } from 'node:fs';
import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error.js';
import type { Role, Route } from './routes.js';
import { describeScope, dataScope } from './scope.js';
import { guard, principalOf, RateLimiter, type GuardOptions } from './security.js';
import { dashboardsProject, dashboardsSite, INSTALL_HINT } from './dashboards-build.js';

export const DASHBOARDS_PATH = '/dashboards';

/** dashboards/site next to the engine; an image shipped without dashboards/ gets a path that does not exist (404 explains). */
export function defaultDashboardsSite(): string {
  try {
    return dashboardsSite(dashboardsProject());
  } catch {
    return '/nonexistent/ledgerline-dashboards/site';
  }
}

/** The mount as a route, for the guard and the request metrics' route label. */
export function dashboardsRoute(role: Role): Route {
  return {
    id: 'dashboards',
    method: 'get',
    path: DASHBOARDS_PATH,
    tag: 'dashboards',
    summary: 'The Evidence dashboards (static site built by ledgerline dashboards build).',
    access: role === 'admin' ? ['admin'] : [role, 'admin'],
    response: { status: 200, description: 'HTML, scripts and prerendered query results.' },
  };
}

/** The handlers to mount at /dashboards: route label, guard, the files of `site`, and a 404 that says how to build it. */
export function dashboardsHandlers(site: string, role: Role, guardOptions: Omit<GuardOptions, 'limiter'>, ratePerSecond: number): RequestHandler[] {
  const route = dashboardsRoute(role);
  // A page load is ~100 files: a burst of 1000 per caller, refilling at 10× the API's rate.
  const limiter = new RateLimiter(ratePerSecond <= 0 ? 0 : ratePerSecond * 10, 1000);
  const files = express.static(site, { extensions: ['html'], index: 'index.html', fallthrough: true, redirect: true });
  return [
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next(new HttpError(405, `${req.method} is not allowed on ${DASHBOARDS_PATH}: use GET`, { Allow: 'GET, HEAD' }));
      res.locals.route = route;
      next();
    },
    guard(route, { ...guardOptions, limiter }),
    (_req, res, next) => {
      // The pages are built in advance from every company's data: nothing in them can be held to a scope.
      const scope = dataScope(principalOf(res));
      if (scope) return next(new HttpError(403, `this API key is limited to ${describeScope(scope)}, and the dashboards show every company and warehouse: open them with a key without limits`));
      next();
    },
    files,
    (req, _res, next) => {
      if (!existsSync(site)) {
        return next(new HttpError(404, `the dashboards are not built yet: \`ledgerline run\` builds them after processing its inputs (needs ${INSTALL_HINT}); or run \`ledgerline dashboards build\``));
      }
      next(new HttpError(404, `not found: ${DASHBOARDS_PATH}${req.path.slice(0, 200)} is not a page of the dashboards (start at ${DASHBOARDS_PATH}/)`));
    },
  ];
}
