import type { BusRecord } from '../bus/bus.js';
import type { ErpEvent } from '../events/schema.js';
import type { Emitter, Processor } from './processor.js';

/**
 * Inventory control: one fact per physical count (`count_outcomes`): counted against system
 * quantity, who and why. Stateless: the table keeps each count's highest version, so a late or
 * repeated count event replaces the fact instead of adding one. Adjustments need no fact of their
 * own: they are the ledger's movements to and from inventory-usage locations. The KPIs are in
 * `kpis/inventory-accuracy.ts`.
 */
export class InventoryControlProcessor implements Processor {
  readonly name = 'inventory-control';

  apply({ offset, value: e }: BusRecord<ErpEvent>, out: Emitter): void {
    if (e.type !== 'inventory_count') return;
    out.emit('count_outcomes', {
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
    });
  }

  flush(): void {}

  /** Stateless: the table is the state. */
  async restore(): Promise<void> {}
}
