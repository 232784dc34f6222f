import type { Store } from '../store/store.js';
import type { AlertKind, Condition, OwnerRole } from './alert.js';
import type { AlertSettings } from './settings.js';
import type { Thresholds } from './thresholds.js';

/** What a rule is evaluated against. */
export interface RuleContext {
  store: Store;
  settings: AlertSettings;
  /** The settings' thresholds as they apply per company / warehouse / category: what a rule judges a condition against. */
  thresholds: Thresholds;
  /** The latest event time processed (ISO): "now" for what is due; undefined before anything was processed. */
  streamTime: string | undefined;
  /** Wall-clock now (the dead-letter window is about arrival, not event time). */
  now: Date;
}

/**
 * A rule: the conditions of its kind that hold now. The engine turns them into alerts; a condition
 * missing from the result has cleared. A rule returns undefined when it cannot judge (its scores were
 * never computed): then nothing of its kind is opened or cleared.
 */
export interface AlertRule {
  kind: AlertKind;
  /** The role that usually owns it (a condition may name another, e.g. a quantity-only purchase anomaly). */
  ownerRole: OwnerRole;
  /** What it alerts on, in words (docs/alerts.md, `ledgerline alerts rules`). */
  description: string;
  /** Whether its conditions are about one dated document (max age applies) rather than a current state. */
  documentRule: boolean;
  evaluate(context: RuleContext): Promise<Condition[] | undefined>;
}

/** Rounds for evidence: figures people read, not 17 digits. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `reasons` as stored (a JSON array), or [] when unreadable: evidence must not fail the evaluation. */
export function parseReasons(json: string): { feature: string; evidence: number; [k: string]: unknown }[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as { feature: string; evidence: number }[]) : [];
  } catch {
    return [];
  }
}
