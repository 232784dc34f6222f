import { BACKORDER_LINES, BACKORDER_QTY } from './backorders.js';
import { DATA_QUALITY } from './data-quality.js';
import { EMERGENCY_PURCHASE_RATIO } from './emergency-purchases.js';
import { EXCEPTION_CLOSURE_HOURS } from './exception-closure.js';
import { DAYS_OF_COVER, INVENTORY_TURNS } from './inventory-turns.js';
import { ADJUSTMENT_FREQUENCY, ADJUSTMENT_VALUE, COUNT_DEVIATION, COUNT_VALUE_DEVIATION, INVENTORY_ACCURACY } from './inventory-accuracy.js';
import { FILL_RATE_LINE, FILL_RATE_ORDER, FILL_RATE_UNIT } from './fill-rate.js';
import type { KpiDefinition } from './kpi.js';
import { OTIF_LINE, OTIF_ORDER } from './otif.js';
import { PURCHASE_LEAD_TIME, PURCHASE_LEAD_TIME_CV, PURCHASE_LEAD_TIME_P90 } from './purchase-lead-time.js';
import { STOCKOUT_QTY, STOCKOUT_RATE } from './stockouts.js';
import { SUPPLIER_OTIF, SUPPLIER_OTIF_LINE } from './supplier-otif.js';
import { THREE_WAY_MATCH } from './three-way-match.js';

/** Every KPI, by name, in catalogue order. */
export const KPIS: ReadonlyMap<string, KpiDefinition> = new Map(
  [
    OTIF_LINE,
    OTIF_ORDER,
    FILL_RATE_LINE,
    FILL_RATE_UNIT,
    FILL_RATE_ORDER,
    BACKORDER_LINES,
    BACKORDER_QTY,
    STOCKOUT_RATE,
    STOCKOUT_QTY,
    SUPPLIER_OTIF,
    SUPPLIER_OTIF_LINE,
    PURCHASE_LEAD_TIME,
    PURCHASE_LEAD_TIME_P90,
    PURCHASE_LEAD_TIME_CV,
    EMERGENCY_PURCHASE_RATIO,
    THREE_WAY_MATCH,
    INVENTORY_ACCURACY,
    COUNT_DEVIATION,
    COUNT_VALUE_DEVIATION,
    ADJUSTMENT_FREQUENCY,
    ADJUSTMENT_VALUE,
    INVENTORY_TURNS,
    DAYS_OF_COVER,
    DATA_QUALITY,
    EXCEPTION_CLOSURE_HOURS,
  ].map((k) => [k.name, k]),
);
