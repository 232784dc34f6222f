import { Router } from 'express';
import { isValidInstant } from '../events/validate.js';
import { queryLedger, type LedgerFilter } from '../store/ledger-query.js';
import type { Store } from '../store/store.js';
import { HttpError } from './app.js';

const MAX_ROWS = 100_000;

/** `GET /api/v1/ledger?as_of=&sku=&location=&warehouse=&limit=`: the five quantities per sku × location. */
export function ledgerRouter(store: Store): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const filter = parseLedgerQuery(req.query as Record<string, unknown>);
    const rows = await queryLedger(store, filter);
    res.json({ as_of: filter.asOf ?? null, rows });
  });
  return router;
}

function parseLedgerQuery(q: Record<string, unknown>): LedgerFilter {
  const known = new Set(['as_of', 'sku', 'location', 'warehouse', 'limit']);
  for (const name of Object.keys(q)) if (!known.has(name)) throw new HttpError(400, `unknown query parameter "${name}" (known: ${[...known].join(', ')})`);
  const text = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new HttpError(400, `${name} must be one non-empty string`);
    return v;
  };
  const filter: LedgerFilter = { limit: MAX_ROWS };
  const asOf = text('as_of');
  if (asOf !== undefined) {
    if (!isValidInstant(asOf)) throw new HttpError(400, `as_of must be an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z (got "${asOf}")`);
    filter.asOf = asOf;
  }
  for (const name of ['sku', 'location', 'warehouse'] as const) {
    const v = text(name);
    if (v !== undefined) filter[name] = v;
  }
  const limit = text('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_ROWS) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_ROWS}`);
    filter.limit = n;
  }
  return filter;
}
