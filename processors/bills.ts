import type { BusRecord } from '../bus/bus.js';
import type { ErpEvent } from '../events/schema.js';
import type { Emitter, Processor } from './processor.js';

/**
 * Vendor bills: one fact per bill line (`bill_line_outcomes`). Stateless: the table keeps each
 * line's highest version. The three-way match (bill against purchase line against receipts) is a
 * query over these facts and the purchase line outcomes: `kpis/three-way-match.ts`.
 */
export class BillProcessor implements Processor {
  readonly name = 'bills';

  apply({ offset, value: e }: BusRecord<ErpEvent>, out: Emitter): void {
    if (e.type !== 'vendor_bill_line') return;
    out.emit('bill_line_outcomes', {
      company: e.company,
      line_id: e.line_id,
      bill_id: e.bill_id,
      purchase_line_id: e.purchase_line_id,
      vendor: e.vendor,
      sku: e.sku,
      warehouse: e.warehouse,
      qty: e.qty,
      unit_price: e.unit_price,
      occurred_at: e.occurred_at,
      bill_version: e.version,
      log_offset: offset,
    });
  }

  flush(): void {}

  /** Stateless: the table is the state. */
  async restore(): Promise<void> {}
}
