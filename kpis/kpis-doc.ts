import { describeKpis } from './describe.js';

/** docs/kpis.md, generated from the definitions (`npm run gen`; a test fails when it is stale). */
export function kpisDocText(): string {
  const out = [
    '# KPIs',
    '',
    'Generated from `kpis/` by `npm run gen`: each definition lives in one file there, with its tests beside it.',
    '',
    'Every KPI is computed from outcome facts (one row per order line, written by the processors in event time; a late',
    'event replaces the fact it updates) and aggregated in ClickHouse by period (`day`, or `week` starting Monday, UTC)',
    'and one dimension. Each result row gives `period`, `dimension`, `numerator`, `denominator` and',
    '`value` = numerator ÷ denominator (null when nothing was counted).',
    '',
    '```',
    'ledgerline kpi --list',
    'ledgerline kpi NAME [--by DIM] [--grain day|week] [--from ISO] [--to ISO] --format json',
    'curl "http://127.0.0.1:8787/api/v1/kpis/otif_line?by=warehouse&grain=week"',
    '```',
    '',
    '`from` and `to` (ISO-8601 instants) select the UTC days that overlap [from, to): a time of day only picks its day; a week is labelled by its Monday.',
    '"Stream time" is the latest event time the pipeline has handled: a line due later is not judged yet.',
    '',
  ];
  for (const k of describeKpis()) {
    out.push(`## \`${k.name}\`: ${k.title}`, '', k.definition, '', `- Formula: ${k.formula}`, `- Period: ${k.period}`, `- Dimensions: ${k.dimensions.join(', ')}`, '- Edge cases:');
    for (const e of k.edge_cases) out.push(`  - ${e}`);
    out.push('');
  }
  return out.join('\n');
}
