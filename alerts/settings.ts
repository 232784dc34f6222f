import { ConfigError, type Config } from '../config/config.js';
import { ALERT_KINDS, type AlertKind } from './alert.js';
import { loadThresholdOverrides, SCOPED_THRESHOLDS, type ThresholdOverride, type ThresholdSetting } from './thresholds.js';

/**
 * The thresholds of the rules (LEDGERLINE_ALERT_*): the defaults, and the overrides per company,
 * warehouse and category of the rules file (alerts/thresholds.ts), which the rules look up per
 * condition through `RuleContext.thresholds`.
 */
export interface AlertSettings {
  /** stockout_risk: risk of a stockout within the horizon at or above this. */
  stockoutRisk: number;
  /** anomalous_adjustment: anomaly score (learned combined, else robust) at or above this. */
  adjustmentScore: number;
  /**
   * purchase_anomaly: the same for purchase lines. Lower than for adjustments: a purchase line has
   * fewer features to add evidence, so a clear mispricing alone (3× the unit cost) scores about 0.37.
   */
  purchaseScore: number;
  /** late_supplier: an open purchase line this many whole days past its planned day. */
  lateSupplierDays: number;
  /** bill_mismatch: a bill price within this percentage of the order's matches (the three-way-match KPI's tolerance). */
  billPriceTolerancePercent: number;
  /** dead_letter_surge: this many dead letters or more from one source in the window. */
  deadLetterSurge: number;
  deadLetterWindowMinutes: number;
  /**
   * A condition about a document older than this many days before the stream time opens no alert
   * (0: any age): a first evaluation over years of history should not bury the current ones.
   * Alerts already open are kept up to date whatever their age.
   */
  maxAgeDays: number;
  /** Per kind: whether an alert whose condition clears is resolved by the engine (else it stays for a person). */
  autoResolve: Record<AlertKind, boolean>;
  /** otif_breach: a warehouse's OTIF (otif_line) over the service window below this. */
  otifTarget: number;
  /** fill_rate_breach: a warehouse's line fill rate (fill_rate_line) over the service window below this. */
  fillRateTarget: number;
  /** otif_breach, fill_rate_breach: the whole days before the stream day judged. */
  serviceWindowDays: number;
  /** otif_breach, fill_rate_breach: fewer lines in the window than this is not judged. */
  serviceMinLines: number;
  /** stock_drift: the counts of this many days before the stream time. */
  driftWindowDays: number;
  /** stock_drift: this many counts off in the window. */
  driftVariances: number;
  /** stock_drift: a count is off beyond max(units, percent of the system quantity), as the inventory_accuracy KPI judges it. */
  countToleranceUnits: number;
  countTolerancePercent: number;
  /** Thresholds per company / warehouse / category (LEDGERLINE_ALERT_RULES_FILE). */
  overrides: ThresholdOverride[];
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  stockoutRisk: 0.5,
  adjustmentScore: 0.8,
  purchaseScore: 0.35,
  lateSupplierDays: 0,
  billPriceTolerancePercent: 0,
  deadLetterSurge: 100,
  deadLetterWindowMinutes: 60,
  maxAgeDays: 30,
  autoResolve: Object.fromEntries(ALERT_KINDS.map((k) => [k, true])) as Record<AlertKind, boolean>,
  otifTarget: 0.95,
  fillRateTarget: 0.95,
  serviceWindowDays: 28,
  serviceMinLines: 20,
  driftWindowDays: 90,
  driftVariances: 2,
  countToleranceUnits: 0,
  countTolerancePercent: 0,
  overrides: [],
};

/** The defaults of the thresholds a scope may override. */
export function thresholdDefaults(settings: AlertSettings): Record<ThresholdSetting, number> {
  return Object.fromEntries(Object.values(SCOPED_THRESHOLDS).map((t) => [t.setting, settings[t.setting]])) as Record<ThresholdSetting, number>;
}

type AlertConfig = Pick<
  Config,
  | 'LEDGERLINE_ALERT_STOCKOUT_RISK'
  | 'LEDGERLINE_ALERT_ADJUSTMENT_SCORE'
  | 'LEDGERLINE_ALERT_PURCHASE_SCORE'
  | 'LEDGERLINE_ALERT_LATE_SUPPLIER_DAYS'
  | 'LEDGERLINE_ALERT_DEAD_LETTER_SURGE'
  | 'LEDGERLINE_ALERT_DEAD_LETTER_WINDOW_MINUTES'
  | 'LEDGERLINE_ALERT_MAX_AGE_DAYS'
  | 'LEDGERLINE_ALERT_AUTO_RESOLVE'
  | 'LEDGERLINE_ALERT_KEEP_OPEN'
  | 'LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT'
  | 'LEDGERLINE_ALERT_OTIF_TARGET'
  | 'LEDGERLINE_ALERT_FILL_RATE_TARGET'
  | 'LEDGERLINE_ALERT_SERVICE_WINDOW_DAYS'
  | 'LEDGERLINE_ALERT_SERVICE_MIN_LINES'
  | 'LEDGERLINE_ALERT_DRIFT_WINDOW_DAYS'
  | 'LEDGERLINE_ALERT_DRIFT_VARIANCES'
  | 'LEDGERLINE_ALERT_RULES_FILE'
  | 'LEDGERLINE_COUNT_TOLERANCE_UNITS'
  | 'LEDGERLINE_COUNT_TOLERANCE_PERCENT'
>;

/** The settings from the config; an unknown kind in LEDGERLINE_ALERT_KEEP_OPEN or a bad rules file is a ConfigError. */
export function alertSettings(config: AlertConfig): AlertSettings {
  const keepOpen = config.LEDGERLINE_ALERT_KEEP_OPEN.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = keepOpen.filter((k) => !(ALERT_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new ConfigError(`LEDGERLINE_ALERT_KEEP_OPEN: unknown alert kind(s) ${unknown.join(', ')} (kinds: ${ALERT_KINDS.join(', ')})`);
  return {
    stockoutRisk: config.LEDGERLINE_ALERT_STOCKOUT_RISK,
    adjustmentScore: config.LEDGERLINE_ALERT_ADJUSTMENT_SCORE,
    purchaseScore: config.LEDGERLINE_ALERT_PURCHASE_SCORE,
    lateSupplierDays: config.LEDGERLINE_ALERT_LATE_SUPPLIER_DAYS,
    billPriceTolerancePercent: config.LEDGERLINE_BILL_PRICE_TOLERANCE_PERCENT,
    deadLetterSurge: config.LEDGERLINE_ALERT_DEAD_LETTER_SURGE,
    deadLetterWindowMinutes: config.LEDGERLINE_ALERT_DEAD_LETTER_WINDOW_MINUTES,
    maxAgeDays: config.LEDGERLINE_ALERT_MAX_AGE_DAYS,
    autoResolve: Object.fromEntries(ALERT_KINDS.map((k) => [k, config.LEDGERLINE_ALERT_AUTO_RESOLVE && !keepOpen.includes(k)])) as Record<AlertKind, boolean>,
    otifTarget: config.LEDGERLINE_ALERT_OTIF_TARGET,
    fillRateTarget: config.LEDGERLINE_ALERT_FILL_RATE_TARGET,
    serviceWindowDays: config.LEDGERLINE_ALERT_SERVICE_WINDOW_DAYS,
    serviceMinLines: config.LEDGERLINE_ALERT_SERVICE_MIN_LINES,
    driftWindowDays: config.LEDGERLINE_ALERT_DRIFT_WINDOW_DAYS,
    driftVariances: config.LEDGERLINE_ALERT_DRIFT_VARIANCES,
    countToleranceUnits: config.LEDGERLINE_COUNT_TOLERANCE_UNITS,
    countTolerancePercent: config.LEDGERLINE_COUNT_TOLERANCE_PERCENT,
    overrides: config.LEDGERLINE_ALERT_RULES_FILE ? loadThresholdOverrides(config.LEDGERLINE_ALERT_RULES_FILE) : [],
  };
}
