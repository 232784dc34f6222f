import { ProjectionProcessor } from './projection.js';

/**
 * Inventory control: one fact per physical count (`count_outcomes`, highest version wins): counted
 * against system quantity, who and why. Adjustments need no fact of their own: they are the
 * ledger's movements to and from inventory-usage locations. The KPIs are in `kpis/inventory-accuracy.ts`.
 */
export function inventoryControlProcessor(): ProjectionProcessor<'inventory_count'> {
  return new ProjectionProcessor('inventory-control', 'inventory_count', 'count_outcomes', (e, offset) => ({
    company: e.company,
    count_id: e.count_id,
    sku: e.sku,
    warehouse: e.warehouse,
    location: e.location,
    user: e.user,
    reason: e.reason,
    counted_qty: e.counted_qty,
    system_qty: e.system_qty,
    occurred_at: e.occurred_at,
    count_version: e.version,
    log_offset: offset,
  }));
}
