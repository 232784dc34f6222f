import { AnomalyScoringProcessor } from '../processors/anomaly-scoring.js';
import { billProcessor } from '../processors/bills.js';
import { fulfilmentProcessor } from '../processors/fulfilment.js';
import { inventoryControlProcessor } from '../processors/inventory-control.js';
import { LedgerProcessor } from '../processors/ledger.js';
import { MasterDataProcessor } from '../processors/master-data.js';
import type { Processor } from '../processors/processor.js';
import { procurementProcessor } from '../processors/procurement.js';

/** The processors of a job, embedded or distributed (each instance runs them all), in the order they see each record. */
export function jobProcessors(): Processor[] {
  return [new MasterDataProcessor(), new LedgerProcessor(), fulfilmentProcessor(), procurementProcessor(), inventoryControlProcessor(), billProcessor(), new AnomalyScoringProcessor()];
}
