/**
 * The alert endpoints (routes.ts, tag alerts) over AlertService, the AlertFeed and the streams.
 *
 * The route table lets executive, buyer, finance and admin read, and buyer, finance and admin act;
 * here each role is narrowed to the alerts it owns (owner_role), except executive (reads all, acts
 * on none) and admin (all). An alert of another role answers 404, as one that does not exist: alert
 * ids are derived from their conditions, so a 403 would tell a buyer which purchase lines finance
 * is looking into.
 */
import type { RequestHandler, Response } from 'express';
import { ALERT_STATUSES, kindOfId, type Alert, type AlertKind, type AlertStatus, type OwnerRole, type Severity } from '../alerts/alert.js';
import type { AlertService } from '../alerts/alert-service.js';
import { AlertError } from '../alerts/lifecycle.js';
import type { AlertFeed } from './alert-feed.js';
import type { AlertStreams } from './alert-stream.js';
import { HttpError } from './http-error.js';
import { checkWarehouseFilter, dataScope, inScope, type DataScope } from './scope.js';
import { actorOf, principalOf } from './security.js';
import { validated } from './validate.js';

type AlertRouteId = 'listAlerts' | 'alertStream' | 'getAlert' | 'acknowledgeAlert' | 'assignAlert' | 'resolveAlert' | 'dismissAlert' | 'commentAlert';

/**
 * The alerts a caller may see: its own role's, or all; and of those, the ones of the companies and
 * warehouses its key is limited to (api/scope.ts; an alert without a warehouse, such as a dead-letter
 * surge, is outside a warehouse limit).
 */
interface Scope {
  role: string;
  /** Every alert, whatever its owner and place. */
  all: boolean;
  data: DataScope | undefined;
  sees: (alert: Alert | undefined) => boolean;
}

function scopeOf(res: Response): Scope {
  const p = principalOf(res);
  // The guard of every alert route sets a principal or refuses the request.
  if (p === undefined) throw new Error('alert route reached without a principal: mount it through app.ts');
  const role = p.role;
  const data = dataScope(p);
  const anyRole = role === 'admin' || role === 'executive';
  return { role, all: anyRole && data === undefined, data, sees: (a) => a !== undefined && (anyRole || a.owner_role === role) && inScope(data, a.company, a.subject.warehouse) };
}

function statuses(raw: string | undefined): AlertStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!(ALERT_STATUSES as readonly string[]).includes(s)) throw new HttpError(400, `status ${JSON.stringify(s.slice(0, 40))} is not one of ${ALERT_STATUSES.join(', ')} (several: comma-separated, e.g. open,acknowledged)`);
  }
  return list as AlertStatus[];
}

/** Last-Event-ID, else ?since: where a stream resumes. */
function resumeAfter(header: string | undefined, since: number | undefined): number | undefined {
  if (header === undefined) return since;
  const h = header.trim();
  if (!/^\d{1,16}$/.test(h) || !Number.isSafeInteger(Number(h))) {
    throw new HttpError(400, `Last-Event-ID must be the id of an event of this stream (a whole number), got ${JSON.stringify(h.slice(0, 40))}: leave it out to start from now`);
  }
  return Number(h);
}

export function alertsHandlers(service: AlertService, feed: AlertFeed, streams: AlertStreams): Record<AlertRouteId, RequestHandler> {
  /** The alert, if the caller may see it; else the same 404 as for no such alert. */
  const visible = async (res: Response): Promise<{ id: string; scope: Scope }> => {
    const id = validated(res).params.id!;
    const scope = scopeOf(res);
    if (kindOfId(id) === undefined) throw new AlertError('invalid_request', `${JSON.stringify(id.slice(0, 64))} is not an alert id (they look like stockout_risk-0123456789abcdef; GET /api/v1/alerts lists them)`);
    if (!scope.all && !scope.sees(await service.alerts.get(id))) {
      throw new AlertError('not_found', `no alert ${id} among the alerts of the ${scope.role} role: GET /api/v1/alerts lists them`);
    }
    return { id, scope };
  };
  const body = (res: Response) => validated(res).body as Record<string, string | undefined>;
  /** The changed alert, served at once by the list too. */
  const answer = (res: Response, alert: Alert) => {
    feed.note(alert);
    res.json(alert);
  };

  return {
    listAlerts: async (_req, res) => {
      const q = validated(res).query as Record<string, string | number | undefined>;
      const scope = scopeOf(res);
      let owner = q.owner_role as OwnerRole | undefined;
      checkWarehouseFilter(scope.data, q.warehouse);
      if (!scope.all && scope.role !== 'admin' && scope.role !== 'executive') {
        if (owner !== undefined && owner !== scope.role) {
          throw new HttpError(403, `the ${scope.role} role sees only the alerts it owns: leave owner_role out or set it to ${scope.role}`);
        }
        owner = scope.role as OwnerRole;
      }
      const status = statuses(q.status as string | undefined);
      const limit = (q.limit as number | undefined) ?? 100;
      const offset = (q.offset as number | undefined) ?? 0;
      await feed.ready();
      const query = {
        kind: q.kind as AlertKind | undefined,
        status,
        severity: q.severity as Severity | undefined,
        owner_role: owner,
        warehouse: q.warehouse as string | undefined,
        sku: q.sku as string | undefined,
        vendor: q.vendor as string | undefined,
        assignee: q.assignee as string | undefined,
        since: q.since as string | undefined,
      };
      if (scope.data === undefined) {
        const page = feed.list({ ...query, limit, offset });
        return void res.json({ total: page.total, offset, limit, alerts: page.alerts });
      }
      // Paged after the scope: the feed pages by its own filters only.
      const visible = feed.list({ ...query, limit: Number.MAX_SAFE_INTEGER, offset: 0 }).alerts.filter(scope.sees);
      res.json({ total: visible.length, offset, limit, alerts: visible.slice(offset, offset + limit) });
    },
    alertStream: async (req, res) => {
      const scope = scopeOf(res);
      await streams.open(req, res, scope.sees, resumeAfter(req.get('last-event-id'), validated(res).query.since as number | undefined));
    },
    getAlert: async (_req, res) => {
      const { id } = await visible(res);
      res.json(await service.get(id));
    },
    acknowledgeAlert: async (_req, res) => {
      const { id } = await visible(res);
      answer(res, await service.acknowledge(id, actorOf(res), body(res).note));
    },
    assignAlert: async (_req, res) => {
      const { id } = await visible(res);
      answer(res, await service.assign(id, body(res).assignee!, actorOf(res)));
    },
    resolveAlert: async (_req, res) => {
      const { id } = await visible(res);
      answer(res, await service.resolve(id, actorOf(res), body(res).resolution));
    },
    dismissAlert: async (_req, res) => {
      const { id } = await visible(res);
      answer(res, await service.dismiss(id, actorOf(res), body(res).reason!));
    },
    commentAlert: async (_req, res) => {
      const { id } = await visible(res);
      res.status(201).json(await service.comment(id, actorOf(res), body(res).text!));
    },
  };
}
