import type { ErpEvent, StockMoveEvent } from './schema.js';

/** The partition key of facts about one SKU at one warehouse. */
export function skuKey(sku: string, warehouse: string): string {
  return `${sku}@${warehouse}`;
}

/** Master data is global: every processor instance reads all of it (a compacted topic in Kafka). */
export const MASTER_DATA_KEY = '*';

/** The warehouses whose stock a move changes: one, or two for a transfer between warehouses. */
export function moveWarehouses(e: StockMoveEvent): string[] {
  const from = holdsStock(e.from_usage) ? e.from_warehouse : null;
  const to = holdsStock(e.to_usage) ? e.to_warehouse : null;
  if (from && to && from !== to) return [from, to];
  const one = from ?? to;
  return one ? [one] : [];
}

export function holdsStock(usage: string): boolean {
  return usage === 'internal' || usage === 'transit';
}

/**
 * The bus keys an event is published under. A transfer between two warehouses is published once per
 * warehouse so that each sku@warehouse owner sees the leg that changes its stock; the ledger applies
 * only the legs of its own warehouse.
 */
export function eventKeys(e: ErpEvent): string[] {
  switch (e.type) {
    case 'product':
    case 'location':
    case 'partner':
      return [MASTER_DATA_KEY];
    case 'stock_move':
      return moveWarehouses(e).map((w) => skuKey(e.sku, w));
    default:
      return [skuKey(e.sku, e.warehouse)];
  }
}
