import type { AlertKind } from './alert.js';
import { ADJUSTMENT_ANOMALY_RULE } from './adjustment-anomaly-rule.js';
import { BILL_MISMATCH_RULE } from './bill-mismatch-rule.js';
import { DEAD_LETTER_SURGE_RULE } from './dead-letter-surge-rule.js';
import { LATE_SUPPLIER_RULE } from './late-supplier-rule.js';
import { NEGATIVE_STOCK_RULE } from './negative-stock-rule.js';
import { PURCHASE_ANOMALY_RULE } from './purchase-anomaly-rule.js';
import type { AlertRule } from './rule.js';
import { FILL_RATE_BREACH_RULE, OTIF_BREACH_RULE } from './service-breach-rule.js';
import { STOCK_DRIFT_RULE } from './stock-drift-rule.js';
import { STOCKOUT_RISK_RULE } from './stockout-risk-rule.js';

/** Every rule, one per alert kind, in the order they are evaluated and documented. */
export const ALERT_RULES: readonly AlertRule[] = [
  STOCKOUT_RISK_RULE,
  ADJUSTMENT_ANOMALY_RULE,
  PURCHASE_ANOMALY_RULE,
  LATE_SUPPLIER_RULE,
  BILL_MISMATCH_RULE,
  NEGATIVE_STOCK_RULE,
  DEAD_LETTER_SURGE_RULE,
  OTIF_BREACH_RULE,
  FILL_RATE_BREACH_RULE,
  STOCK_DRIFT_RULE,
];

export function ruleOf(kind: AlertKind): AlertRule {
  const rule = ALERT_RULES.find((r) => r.kind === kind);
  if (!rule) throw new Error(`no rule for alert kind ${kind}`);
  return rule;
}
