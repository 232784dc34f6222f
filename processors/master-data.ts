import type { BusRecord } from '../bus/bus.js';
import { MASTER_DATA_KEY } from '../events/keys.js';
import type { ErpEvent } from '../events/schema.js';
import type { Emitter, Processor } from './processor.js';

/** Products, locations and partners into their global tables (latest version wins in the store). */
export class MasterDataProcessor implements Processor {
  readonly name = 'master-data';

  apply(record: BusRecord<ErpEvent>, out: Emitter): void {
    if (record.key !== MASTER_DATA_KEY) return;
    const { offset, value: e } = record;
    const common = { company: e.company, version: e.version, occurred_at: e.occurred_at, log_offset: offset };
    switch (e.type) {
      case 'product':
        out.emit('products', { ...common, sku: e.sku, name: e.name, uom: e.uom, category: e.category, unit_cost: e.unit_cost, active: e.active });
        return;
      case 'location':
        out.emit('locations', { ...common, location: e.location, name: e.name, usage: e.usage, warehouse: e.warehouse, quarantine: e.quarantine });
        return;
      case 'partner':
        out.emit('partners', { ...common, partner: e.partner, name: e.name, roles: e.roles });
        return;
      default:
        return;
    }
  }

  flush(): void {}

  /** Stateless: the tables are the state. */
  async restore(): Promise<void> {}
}
