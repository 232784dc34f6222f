import type { RequestHandler } from 'express';
import { queryLedger, type LedgerFilter } from '../store/ledger-query.js';
import type { Store } from '../store/store.js';
import { dataScope } from './scope.js';
import { principalOf } from './security.js';
import { validated } from './validate.js';

const MAX_ROWS = 100_000;

/** `GET /api/v1/ledger?as_of=&sku=&location=&warehouse=&limit=`: the five quantities per sku × location (parameters as in routes.ts), within the key's scope. */
export function ledgerHandler(store: Store): RequestHandler {
  return async (_req, res) => {
    const q = validated(res).query;
    const filter: LedgerFilter = { limit: (q.limit as number | undefined) ?? MAX_ROWS };
    if (q.as_of !== undefined) filter.asOf = q.as_of as string;
    for (const name of ['sku', 'location', 'warehouse'] as const) if (q[name] !== undefined) filter[name] = q[name] as string;
    const scope = dataScope(principalOf(res));
    if (scope) Object.assign(filter, { companies: scope.companies, warehouses: scope.warehouses });
    const rows = await queryLedger(store, filter);
    res.json({ as_of: filter.asOf ?? null, rows });
  };
}
