/**
 * Deletions. Odoo deletes some records outright (a draft order line, the move lines of an
 * unreserved move, an open move with its picking) and a deleted record has no write_date left to
 * poll. So, periodically, the ids Odoo still has are compared with the ids the event log holds for
 * this source, and every record gone from Odoo gets a tombstone: the closest the event union has to
 * "deleted", as the record's next version (version + 1 of the latest logged one, so a repeated
 * reconciliation yields the same event id):
 * - a reservation → quantity 0 (the stock is no longer promised);
 * - a sales or purchase order line → state cancelled (it will never ship, or never arrive);
 * - a done stock move → nothing can undo it (Odoo forbids deleting done moves): dead letter, for a person.
 * Master data (products, locations, partners) is archived in Odoo rather than deleted; a deleted one
 * stays as it was last seen.
 */
import type { Store } from '../../store/store.js';
import type { Candidate } from './odoo-mapping.js';

/** The latest logged event of each record of a model, by Odoo id. */
export interface LoggedRecords {
  latest(sourceId: string, source: string, model: string): Promise<Map<number, Candidate>>;
}

/** Which event types a model's records become (what to look for in the log). */
export const TOMBSTONE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'stock.move': ['reservation', 'stock_move'],
  'sale.order.line': ['sales_order_line'],
  // Odoo deletes lines of draft and cancelled purchase orders only: gone means it will never arrive.
  'purchase.order.line': ['purchase_order_line'],
};

/** Reads the event log (the `events` table) for the latest version of every record of `model` this source logged. */
export class EventLogRecords implements LoggedRecords {
  constructor(private readonly store: Store) {}

  async latest(sourceId: string, source: string, model: string): Promise<Map<number, Candidate>> {
    const types = TOMBSTONE_TYPES[model] ?? [];
    const latest = new Map<number, Candidate>();
    if (!types.length) return latest;
    // event_id is source/type/record_id@version: the record and version are read back from it.
    const rows = await this.store.query<{ type: string; record_id: string; version: string; payload: string }>(
      `SELECT type, record_id, toString(max(v)) AS version, argMax(payload, v) AS payload FROM (
         SELECT type, payload,
                substring(event_id, length({source:String}) + length(type) + 3) AS rest,
                substring(rest, 1, length(rest) - position(reverse(rest), '@')) AS record_id,
                toUInt64OrZero(substring(rest, length(rest) - position(reverse(rest), '@') + 2)) AS v
         FROM events
         WHERE source_id = {sourceId:String} AND type IN {types:Array(String)} AND startsWith(event_id, {prefix:String})
       ) WHERE startsWith(record_id, {model:String})
       GROUP BY type, record_id`,
      { sourceId, source, types: [...types], prefix: `${source}/`, model: `${model}:` },
    );
    for (const row of rows) {
      const id = Number(row.record_id.slice(model.length + 1));
      if (!Number.isInteger(id)) continue;
      const event = JSON.parse(row.payload) as Candidate;
      const held = latest.get(id);
      // A move has a stock_move and a reservation: the done move is what matters once there is one.
      if (!held || row.type === 'stock_move' || (held.type !== 'stock_move' && (event.version as number) > (held.version as number))) latest.set(id, event);
    }
    return latest;
  }
}

export type Tombstone = { kind: 'event'; event: Candidate } | { kind: 'dead'; reason: string; record: Candidate };

/** The tombstone for a record gone from Odoo, given its latest logged event; undefined when nothing is left to undo. */
export function tombstoneFor(latest: Candidate): Tombstone | undefined {
  const next = (changes: Record<string, unknown>): Tombstone => {
    const { event_id: _id, schema_version: _v, ingested_at: _at, ...rest } = latest;
    return { kind: 'event', event: { ...rest, ...changes, version: (latest.version as number) + 1 } as Candidate };
  };
  switch (latest.type) {
    case 'reservation':
      return latest.qty_reserved === 0 ? undefined : next({ qty_reserved: 0 });
    case 'sales_order_line':
    case 'purchase_order_line':
      return latest.state === 'cancelled' ? undefined : next({ state: 'cancelled' });
    case 'stock_move':
      return {
        kind: 'dead',
        record: latest,
        reason: `${latest.record_id}: a done move is gone from Odoo (deleted in the database, or no longer visible to the API user); the ledger keeps it — check in Odoo, and correct with an inventory adjustment if it really is gone`,
      };
    default:
      return undefined;
  }
}
