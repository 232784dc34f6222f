import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { alertSettings, DEFAULT_ALERT_SETTINGS, thresholdDefaults } from './settings.js';
import { parseThresholdOverrides, Thresholds } from './thresholds.js';

const defaults = thresholdDefaults(DEFAULT_ALERT_SETTINGS);

describe('alert thresholds per company / warehouse / category', () => {
  const overrides = parseThresholdOverrides({
    thresholds: [
      { company: 'acme', set: { otif_target: 0.9, stockout_risk: 0.6 } },
      { company: 'acme', warehouse: 'WH2', set: { otif_target: 0.85 } },
      { category: 'Hydraulics', set: { stockout_risk: 0.3 } },
      { warehouse: 'WH2', set: { stockout_risk: 0.4 } },
      { company: 'acme', warehouse: 'WH2', category: 'Hydraulics', set: { stockout_risk: 0.2 } },
    ],
  });
  const t = Thresholds.of(defaults, overrides, new Map([['acme/SKU-H', 'Hydraulics'], ['acme/SKU-F', 'Fasteners'], ['beta/SKU-H', 'Hydraulics']]));

  it('takes the most specific entry that sets the threshold, per threshold', () => {
    expect(t.get('otifTarget', { company: 'acme', warehouse: 'WH1' })).toEqual({ value: 0.9, from: 'company=acme' });
    expect(t.get('otifTarget', { company: 'acme', warehouse: 'WH2' })).toEqual({ value: 0.85, from: 'company=acme warehouse=WH2' });
    expect(t.get('otifTarget', { company: 'beta', warehouse: 'WH2' })).toEqual({ value: 0.95, from: 'default' });
    // Three fields beat two; a warehouse alone beats a category alone, which beats a company alone.
    expect(t.get('stockoutRisk', { company: 'acme', warehouse: 'WH2', sku: 'SKU-H' }).value).toBe(0.2);
    expect(t.get('stockoutRisk', { company: 'acme', warehouse: 'WH1', sku: 'SKU-H' }).value).toBe(0.3);
    expect(t.get('stockoutRisk', { company: 'acme', warehouse: 'WH2', sku: 'SKU-F' }).value).toBe(0.4);
    expect(t.get('stockoutRisk', { company: 'acme', warehouse: 'WH1', sku: 'SKU-F' }).value).toBe(0.6);
    expect(t.get('stockoutRisk', { company: 'beta', warehouse: 'WH1', sku: 'SKU-H' }).value).toBe(0.3);
    // A warehouse-level condition has no category: a category entry does not apply to it.
    expect(t.get('stockoutRisk', { company: 'beta', warehouse: 'WH1' }).value).toBe(0.5);
    // An entry that does not set a threshold leaves it to the less specific ones.
    expect(t.get('stockoutRisk', { company: 'acme', warehouse: 'WH3' }).value).toBe(0.6);
    expect(t.values('stockoutRisk').sort()).toEqual([0.2, 0.3, 0.4, 0.5, 0.6]);
  });

  it('refuses a malformed file with every problem and where it is', () => {
    const problems = () =>
      parseThresholdOverrides({
        thresholds: [
          { company: 'acme', set: { otif_target: 1.5 } },
          { set: { stockout_risk: 0.3 } },
          { warehouse: 'WH1', set: { max_age_days: 3 } },
          { company: 'acme', set: { drift_variances: 2.5 } },
          { region: 'north', set: { otif_target: 0.9 } },
        ],
      });
    expect(problems).toThrow(ConfigError);
    expect(problems).toThrow(/thresholds\[0\]\.set\.otif_target: 1\.5 is not a number from 0 to 1/);
    expect(problems).toThrow(/thresholds\[1\]: names no company, warehouse or category/);
    expect(problems).toThrow(/thresholds\[2\]\.set\.max_age_days: not a threshold that can be set per scope/);
    expect(problems).toThrow(/thresholds\[3\]\.set\.drift_variances: 2\.5 is not a whole number from 2 to 1000/);
    expect(problems).toThrow(/thresholds\[3\]: the same scope \(company=acme\) as thresholds\[0\]/);
    expect(problems).toThrow(/thresholds\[4\]: unknown key "region"/);
    expect(() => parseThresholdOverrides([])).toThrow(/must be an object \{"thresholds": \[\.\.\.\]\}/);
  });

  it('reads the file named by LEDGERLINE_ALERT_RULES_FILE, and says what is wrong with a bad one', () => {
    const dir = tempDir('alert-rules-file');
    const good = join(dir, 'rules.json');
    writeFileSync(good, JSON.stringify({ thresholds: [{ warehouse: 'WH2', set: { fill_rate_target: 0.9 } }] }));
    expect(alertSettings(testConfig({ LEDGERLINE_ALERT_RULES_FILE: good })).overrides).toEqual([{ warehouse: 'WH2', set: { fillRateTarget: 0.9 } }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"thresholds": [');
    expect(() => alertSettings(testConfig({ LEDGERLINE_ALERT_RULES_FILE: bad }))).toThrow(/bad\.json is not valid JSON/);
    expect(() => alertSettings(testConfig({ LEDGERLINE_ALERT_RULES_FILE: join(dir, 'missing.json') }))).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });
});
