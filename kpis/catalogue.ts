import { DATA_QUALITY } from './data-quality.js';
import { FILL_RATE_LINE, FILL_RATE_ORDER, FILL_RATE_UNIT } from './fill-rate.js';
import type { KpiDefinition } from './kpi.js';
import { OTIF_LINE, OTIF_ORDER } from './otif.js';
import { SUPPLIER_OTIF, SUPPLIER_OTIF_LINE } from './supplier-otif.js';

/** Every KPI, by name, in catalogue order. */
export const KPIS: ReadonlyMap<string, KpiDefinition> = new Map(
  [OTIF_LINE, OTIF_ORDER, FILL_RATE_LINE, FILL_RATE_UNIT, FILL_RATE_ORDER, SUPPLIER_OTIF, SUPPLIER_OTIF_LINE, DATA_QUALITY].map((k) => [k.name, k]),
);
