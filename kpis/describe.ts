import { KPIS } from './catalogue.js';
import { GRAINS } from './kpi.js';

/** The catalogue entry of a KPI, as the API and `ledgerline kpi --list` show it. */
export interface KpiDescription {
  name: string;
  title: string;
  definition: string;
  formula: string;
  period: string;
  dimensions: string[];
  grains: string[];
  edge_cases: string[];
}

export function describeKpis(): KpiDescription[] {
  return [...KPIS.values()].map((k) => ({
    name: k.name,
    title: k.title,
    definition: k.definition,
    formula: k.formula,
    period: k.periodBy,
    dimensions: Object.keys(k.dimensions),
    grains: [...GRAINS],
    edge_cases: k.edgeCases,
  }));
}
