import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, ConfigSchema } from '../config/config.js';
import type { Store } from '../store/store.js';

/**
 * Thresholds per company, warehouse and product category: the alert rules file
 * (LEDGERLINE_ALERT_RULES_FILE, JSON) overrides the LEDGERLINE_ALERT_* defaults for a scope.
 *
 * ```json
 * { "thresholds": [
 *     { "company": "acme", "set": { "otif_target": 0.9 } },
 *     { "company": "acme", "warehouse": "WH2", "set": { "otif_target": 0.85, "stockout_risk": 0.3 } },
 *     { "category": "Hydraulics", "set": { "stockout_risk": 0.3, "drift_variances": 3 } } ] }
 * ```
 *
 * An entry matches a condition when every scope field it names equals the condition's (an entry
 * naming a category never matches a warehouse-level condition such as an OTIF breach, which has no
 * category). Per threshold, the most specific matching entry that sets it wins: the one naming more
 * of company / warehouse / category; between entries naming as many, a warehouse beats a category,
 * which beats a company (the place is what differs most between teams). A threshold no entry sets
 * keeps its default. Why per threshold and not per entry: an entry for a warehouse that lowers the
 * OTIF target should not reset the company's stockout threshold there to the default.
 */

/** The thresholds a scope may override: the name in the file → the setting, and the env setting whose bounds and default it shares. */
export const SCOPED_THRESHOLDS = {
  stockout_risk: { setting: 'stockoutRisk', env: 'LEDGERLINE_ALERT_STOCKOUT_RISK' },
  adjustment_score: { setting: 'adjustmentScore', env: 'LEDGERLINE_ALERT_ADJUSTMENT_SCORE' },
  purchase_score: { setting: 'purchaseScore', env: 'LEDGERLINE_ALERT_PURCHASE_SCORE' },
  late_supplier_days: { setting: 'lateSupplierDays', env: 'LEDGERLINE_ALERT_LATE_SUPPLIER_DAYS' },
  otif_target: { setting: 'otifTarget', env: 'LEDGERLINE_ALERT_OTIF_TARGET' },
  fill_rate_target: { setting: 'fillRateTarget', env: 'LEDGERLINE_ALERT_FILL_RATE_TARGET' },
  service_min_lines: { setting: 'serviceMinLines', env: 'LEDGERLINE_ALERT_SERVICE_MIN_LINES' },
  drift_variances: { setting: 'driftVariances', env: 'LEDGERLINE_ALERT_DRIFT_VARIANCES' },
} as const;
export type ThresholdName = keyof typeof SCOPED_THRESHOLDS;
export type ThresholdSetting = (typeof SCOPED_THRESHOLDS)[ThresholdName]['setting'];

const SCOPE_FIELDS = ['company', 'warehouse', 'category'] as const;
type ScopeField = (typeof SCOPE_FIELDS)[number];
/** Tie-break between entries naming as many fields. */
const FIELD_WEIGHT: Record<ScopeField, number> = { warehouse: 4, category: 2, company: 1 };

export interface ThresholdOverride {
  company?: string;
  warehouse?: string;
  category?: string;
  set: Partial<Record<ThresholdSetting, number>>;
}

/** What a condition is about, for the match: the category is looked up from the SKU. */
export interface ThresholdScope {
  company: string;
  warehouse?: string;
  sku?: string;
}

function specificity(o: ThresholdOverride): number {
  const named = SCOPE_FIELDS.filter((f) => o[f] !== undefined);
  return named.length * 8 + named.reduce((s, f) => s + FIELD_WEIGHT[f], 0);
}

function scopeText(o: ThresholdOverride): string {
  return SCOPE_FIELDS.filter((f) => o[f] !== undefined)
    .map((f) => `${f}=${o[f]}`)
    .join(' ');
}

/**
 * Reads and validates the rules file: every mistake is reported at once with the entry it is in, so
 * a bad file stops the start instead of silently alerting on the defaults.
 */
export function loadThresholdOverrides(path: string): ThresholdOverride[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`LEDGERLINE_ALERT_RULES_FILE: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): fix the path or leave the setting empty`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`LEDGERLINE_ALERT_RULES_FILE: ${path} is not valid JSON (${(e as Error).message}); see docs/alerts.md for the format`);
  }
  return parseThresholdOverrides(doc, path);
}

export function parseThresholdOverrides(doc: unknown, where = 'the alert rules'): ThresholdOverride[] {
  const problems: string[] = [];
  const entries = (doc as { thresholds?: unknown } | null)?.thresholds;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray(entries)) {
    throw new ConfigError(`LEDGERLINE_ALERT_RULES_FILE: ${where} must be an object {"thresholds": [...]}; see docs/alerts.md`);
  }
  for (const k of Object.keys(doc)) if (k !== 'thresholds') problems.push(`unknown top-level key "${k}" (only "thresholds")`);
  const out: ThresholdOverride[] = [];
  const seen = new Map<string, number>();
  entries.forEach((raw, i) => {
    const at = `thresholds[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${at}: expected an object {company?, warehouse?, category?, set: {...}}`);
      return;
    }
    const e = raw as Record<string, unknown>;
    const o: ThresholdOverride = { set: {} };
    for (const k of Object.keys(e)) {
      if (k === 'set') continue;
      if (!(SCOPE_FIELDS as readonly string[]).includes(k)) {
        problems.push(`${at}: unknown key "${k}" (scope keys: ${SCOPE_FIELDS.join(', ')}; thresholds go under "set")`);
        continue;
      }
      const v = e[k];
      if (typeof v !== 'string' || v.trim() === '') problems.push(`${at}.${k}: expected a non-empty string`);
      else o[k as ScopeField] = v;
    }
    if (!SCOPE_FIELDS.some((f) => o[f] !== undefined) && !problems.some((p) => p.startsWith(`${at}.`))) {
      problems.push(`${at}: names no company, warehouse or category; defaults for everything are the LEDGERLINE_ALERT_* settings`);
    }
    const set = e.set;
    if (typeof set !== 'object' || set === null || Array.isArray(set) || Object.keys(set).length === 0) {
      problems.push(`${at}.set: expected an object with at least one threshold (${Object.keys(SCOPED_THRESHOLDS).join(', ')})`);
    } else {
      for (const [name, value] of Object.entries(set)) {
        const t = SCOPED_THRESHOLDS[name as ThresholdName];
        if (t === undefined) {
          problems.push(`${at}.set.${name}: not a threshold that can be set per scope (${Object.keys(SCOPED_THRESHOLDS).join(', ')})`);
          continue;
        }
        const schema = ConfigSchema.properties[t.env];
        if (typeof value !== 'number' || !Value.Check(schema, value)) {
          const s = schema as { minimum?: number; maximum?: number; type?: string };
          problems.push(`${at}.set.${name}: ${JSON.stringify(value)} is not ${s.type === 'integer' ? 'a whole number' : 'a number'} from ${s.minimum} to ${s.maximum} (as ${t.env})`);
          continue;
        }
        o.set[t.setting] = value;
      }
    }
    const scope = scopeText(o);
    if (scope && seen.has(scope)) problems.push(`${at}: the same scope (${scope}) as thresholds[${seen.get(scope)}]; merge them into one entry`);
    else if (scope) seen.set(scope, i);
    out.push(o);
  });
  if (problems.length) throw new ConfigError(`LEDGERLINE_ALERT_RULES_FILE: ${where} is invalid:\n  ${problems.join('\n  ')}\nSee docs/alerts.md for the format.`);
  return out;
}

/** A threshold as it applies to one condition, and where it came from (for the evidence). */
export interface ResolvedThreshold {
  value: number;
  /** `default`, or the scope of the entry that set it, e.g. `company=acme warehouse=WH2`. */
  from: string;
}

/**
 * The thresholds of one evaluation: the defaults, the overrides sorted most specific first, and the
 * categories of the SKUs (read once, only when an override names a category).
 */
export class Thresholds {
  private readonly overrides: ThresholdOverride[];

  private constructor(
    private readonly defaults: Record<ThresholdSetting, number>,
    overrides: readonly ThresholdOverride[],
    private readonly categories: ReadonlyMap<string, string>,
  ) {
    this.overrides = [...overrides].sort((a, b) => specificity(b) - specificity(a));
  }

  static async load(store: Store, defaults: Record<ThresholdSetting, number>, overrides: readonly ThresholdOverride[]): Promise<Thresholds> {
    const categories = new Map<string, string>();
    if (overrides.some((o) => o.category !== undefined)) {
      for (const r of await store.query<{ company: string; sku: string; category: string }>('SELECT company, sku, category FROM products FINAL')) {
        categories.set(`${r.company}/${r.sku}`, r.category);
      }
    }
    return new Thresholds(defaults, overrides, categories);
  }

  /** Without a store: for overrides that name no category, or given categories (tests). */
  static of(defaults: Record<ThresholdSetting, number>, overrides: readonly ThresholdOverride[] = [], categories: ReadonlyMap<string, string> = new Map()): Thresholds {
    return new Thresholds(defaults, overrides, categories);
  }

  /** The threshold `setting` for a condition about `scope`. */
  get(setting: ThresholdSetting, scope: ThresholdScope): ResolvedThreshold {
    const category = scope.sku === undefined ? undefined : this.categories.get(`${scope.company}/${scope.sku}`);
    const actual: Partial<Record<ScopeField, string>> = { company: scope.company, warehouse: scope.warehouse, category };
    for (const o of this.overrides) {
      const value = o.set[setting];
      if (value === undefined) continue;
      if (SCOPE_FIELDS.every((f) => o[f] === undefined || o[f] === actual[f])) return { value, from: scopeText(o) };
    }
    return { value: this.defaults[setting], from: 'default' };
  }

  /** Every value `setting` takes anywhere (default and overrides): a rule filters its SQL by the loosest, then each condition by its own. */
  values(setting: ThresholdSetting): number[] {
    return [this.defaults[setting], ...this.overrides.flatMap((o) => (o.set[setting] === undefined ? [] : [o.set[setting]!]))];
  }
}
