import type { Store } from './store.js';

/** One row of the ledger: the five quantities of a sku at a location. */
export interface LedgerRow {
  company: string;
  sku: string;
  warehouse: string;
  location: string;
  on_hand: number;
  reserved: number;
  in_transit: number;
  quarantined: number;
  available: number;
}

export interface LedgerFilter {
  /** Position at this instant (event time); omitted: the live position. */
  asOf?: string;
  sku?: string;
  location?: string;
  warehouse?: string;
  /** Only these companies / warehouses (an API key's scope); empty or omitted: all. */
  companies?: readonly string[];
  warehouses?: readonly string[];
  /** Only positions with on hand or available below zero (the negative-stock alert rule). */
  negativeOnly?: boolean;
  limit?: number;
}

/**
 * The buckets, defined once:
 * - on_hand: stock in internal locations (quarantine locations included: it is physically there);
 * - quarantined: the part of on_hand in quarantine locations (held for quality control);
 * - in_transit: stock in transit locations (on its way to the location's warehouse);
 * - reserved: quantity reserved by open outgoing moves at the location;
 * - available: on_hand − quarantined − reserved (negative when more is promised than is there).
 */
const BUCKETS = `
    company, sku, warehouse, location,
    round(if(p_usage = 'internal', p_qty, 0), 6) AS on_hand,
    round(p_reserved, 6) AS reserved,
    round(if(p_usage = 'transit', p_qty, 0), 6) AS in_transit,
    round(if(p_usage = 'internal' AND quarantine, p_qty, 0), 6) AS quarantined,
    round(on_hand - quarantined - reserved, 6) AS available`;

const LOCATION_FLAGS = `(SELECT company, location, quarantine FROM locations FINAL) AS loc`;

export async function queryLedger(store: Store, f: LedgerFilter = {}): Promise<LedgerRow[]> {
  const params: Record<string, unknown> = {};
  const where: string[] = [];
  for (const [column, value] of [['sku', f.sku], ['location', f.location], ['warehouse', f.warehouse]] as const) {
    if (value !== undefined) {
      where.push(`${column} = {${column}:String}`);
      params[column] = value;
    }
  }
  for (const [column, values] of [['company', f.companies], ['warehouse', f.warehouses]] as const) {
    if (values?.length) {
      where.push(`has({${column}_in:Array(String)}, ${column})`);
      params[`${column}_in`] = values;
    }
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = f.limit ? `LIMIT ${Math.trunc(f.limit)}` : '';
  let positions: string;
  if (f.asOf === undefined) {
    positions = `SELECT company, sku, warehouse, location, usage AS p_usage, qty AS p_qty, reserved AS p_reserved FROM ledger_positions FINAL ${filter}`;
  } else {
    params.asof = f.asOf;
    positions = `
      SELECT company, sku, warehouse, location,
             if(m.usage = '', 'internal', m.usage) AS p_usage, m.qty AS p_qty, r.reserved AS p_reserved
      FROM (
        SELECT company, sku, warehouse, location, any(usage) AS usage, sum(qty) AS qty
        FROM ledger_movements FINAL
        WHERE occurred_at <= parseDateTime64BestEffort({asof:String}, 3) AND (company, sku, warehouse, move_id, version) IN (
          SELECT company, sku, warehouse, move_id, max(version) FROM ledger_movements
          WHERE occurred_at <= parseDateTime64BestEffort({asof:String}, 3) GROUP BY company, sku, warehouse, move_id)
        GROUP BY company, sku, warehouse, location
      ) AS m
      FULL OUTER JOIN (
        SELECT company, sku, warehouse, location, sum(q) AS reserved FROM (
          SELECT company, sku, warehouse, reservation_id,
                 argMax(location, version) AS location, argMax(qty_reserved, version) AS q
          FROM ledger_reservations FINAL
          WHERE occurred_at <= parseDateTime64BestEffort({asof:String}, 3)
          GROUP BY company, sku, warehouse, reservation_id)
        GROUP BY company, sku, warehouse, location
      ) AS r USING (company, sku, warehouse, location)
      ${filter}`;
  }
  return store.query<LedgerRow>(
    `SELECT ${BUCKETS}
     FROM (${positions}) AS p
     LEFT JOIN ${LOCATION_FLAGS} USING (company, location)
     ${f.negativeOnly ? 'WHERE on_hand < 0 OR available < 0' : ''}
     ORDER BY company, sku, location ${limit}`,
    params,
  );
}
