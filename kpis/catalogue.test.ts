import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KPIS } from './catalogue.js';
import { kpisDocText } from './kpis-doc.js';

describe('KPI catalogue', () => {
  it('documents every KPI in docs/kpis.md as generated (run `npm run gen` after changing a definition)', () => {
    expect(readFileSync(new URL('../docs/kpis.md', import.meta.url), 'utf8'), 'run `npm run gen`').toBe(kpisDocText());
    for (const name of KPIS.keys()) expect(kpisDocText()).toContain(`\`${name}\``);
  });

  it('gives every KPI a company dimension, a definition, a formula and edge cases', () => {
    for (const k of KPIS.values()) {
      expect(k.dimensions.company, k.name).toBe('company');
      expect(k.definition.length, k.name).toBeGreaterThan(20);
      expect(k.formula, k.name).toContain('÷');
      expect(k.edgeCases.length, k.name).toBeGreaterThan(0);
    }
  });
});
