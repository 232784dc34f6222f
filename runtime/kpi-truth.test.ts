import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import type { PurchaseLineTruth, SalesLineTruth } from '../ingest/generator/truth.js';
import { JsonlFileSource } from '../ingest/jsonl-file-source.js';
import { KPIS } from '../kpis/catalogue.js';
import { queryKpi, type KpiRow } from '../store/kpi-query.js';
import { tempDir, testConfig, withStore } from '../testing/harness.js';
import { EmbeddedPipeline, embeddedProcessors } from './embedded-pipeline.js';

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

const DAY_MS = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
/** End of the UTC day of an instant (exclusive), epoch ms. */
const dayEnd = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS) * DAY_MS + DAY_MS;

/** KPI rows by company and day, computed from the generator's line truth with the definitions of docs/kpis.md. */
function kpisFromTruth(sales: SalesLineTruth[], purchases: PurchaseLineTruth[], company: string): Map<string, Array<[string, string, number, number]>> {
  const streamMs = Math.max(
    ...sales.flatMap((l) => [l.ordered_at, l.first_shipment_at, l.completed_at]).filter((x): x is string => x !== null).map(Date.parse),
    ...purchases.flatMap((l) => [l.ordered_at, l.first_receipt_at, l.completed_at]).filter((x): x is string => x !== null).map(Date.parse),
  );
  const streamDay = new Date(streamMs).toISOString().slice(0, 10);
  const out = new Map<string, Map<string, [number, number]>>();
  const count = (kpi: string, period: string, num: number, den: number) => {
    const byPeriod = out.get(kpi) ?? out.set(kpi, new Map()).get(kpi)!;
    const acc = byPeriod.get(period) ?? [0, 0];
    byPeriod.set(period, [acc[0] + num, acc[1] + den]);
  };
  const service = sales.filter((l) => l.state !== 'cancelled' && l.qty_ordered > 0);
  const onTimeInFull = (l: SalesLineTruth) => l.completed_at !== null && Date.parse(l.completed_at) < dayEnd(l.committed_date!) && l.delivered_qty >= l.qty_ordered;
  const judged = (l: SalesLineTruth) => l.committed_date !== null && (day(l.committed_date) < streamDay || l.delivered_qty >= l.qty_ordered);
  const orders = new Map<string, SalesLineTruth[]>();
  for (const l of service) {
    if (judged(l)) count('otif_line', day(l.committed_date!), onTimeInFull(l) ? 1 : 0, 1);
    if (l.first_shipment_at !== null) {
      count('fill_rate_line', day(l.first_shipment_at), l.first_shipment_qty >= l.qty_ordered ? 1 : 0, 1);
      count('fill_rate_unit', day(l.first_shipment_at), Math.min(l.first_shipment_qty, l.qty_ordered), l.qty_ordered);
    }
    orders.set(l.order_id, [...(orders.get(l.order_id) ?? []), l]);
  }
  for (const lines of orders.values()) {
    if (lines.every(judged)) {
      const last = lines.map((l) => l.committed_date!).sort().at(-1)!;
      count('otif_order', day(last), lines.every(onTimeInFull) ? 1 : 0, 1);
    }
    const shipped = lines.filter((l) => l.first_shipment_at !== null);
    if (shipped.length) {
      const first = shipped.map((l) => l.first_shipment_at!).sort()[0]!;
      count('fill_rate_order', day(first), lines.every((l) => l.first_shipment_at !== null && l.first_shipment_qty >= l.qty_ordered) ? 1 : 0, 1);
    }
  }
  for (const l of purchases.filter((p) => (p.state as string) !== 'cancelled' && p.qty_ordered > 0)) {
    if (!(day(l.planned_date) < streamDay || l.received_qty >= l.qty_ordered)) continue;
    const onTime = Math.min(Math.max(l.received_by_planned_day_qty, 0), l.qty_ordered);
    count('supplier_otif', day(l.planned_date), onTime, l.qty_ordered);
    count('supplier_otif_line', day(l.planned_date), l.received_by_planned_day_qty >= l.qty_ordered && l.received_qty >= l.qty_ordered ? 1 : 0, 1);
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return new Map(
    [...out].map(([kpi, byPeriod]) => [kpi, [...byPeriod].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, [n, d]]) => [p, company, round(n), round(d)] as [string, string, number, number])]),
  );
}

async function runKpis(eventsPath: string, dataDir: string): Promise<Map<string, KpiRow[]>> {
  return withStore(dataDir, async (store) => {
    const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 2000 });
    const summary = await new EmbeddedPipeline(store, config, embeddedProcessors()).run([await JsonlFileSource.open(eventsPath, { batchRecords: 500, maxRecordBytes: 1 << 20, keepRawBytes: 1024 })]);
    expect(summary.dead_lettered).toBe(0);
    const out = new Map<string, KpiRow[]>();
    for (const name of KPIS.keys()) out.set(name, await queryKpi(store, { name }));
    return out;
  });
}

/** Moves each event to a random place within 3 days of event time (a seeded shuffle). */
function shuffleWithinDays(lines: string[], days: number, seed: number): string[] {
  let s = seed;
  const random = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  return lines
    .map((line) => ({ line, at: Date.parse((JSON.parse(line) as { occurred_at: string }).occurred_at) + random() * days * DAY_MS }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.line);
}

describe.each([1, 2, 3])('KPIs for generator seed %i', (seed) => {
  it('equal the values computed from the generator truth, and themselves when events arrive shuffled within 3 days', async () => {
    const dir = tempDir(`kpi-truth-${seed}`);
    await writeDataset({ seed, days: 90, skus: 30, warehouses: 3, out: dir });
    const sales = readJsonl<SalesLineTruth>(join(dir, 'truth', 'sales_lines.jsonl'));
    const purchases = readJsonl<PurchaseLineTruth>(join(dir, 'truth', 'purchase_lines.jsonl'));
    expect(sales.length).toBeGreaterThan(500);
    expect(purchases.length).toBeGreaterThan(50);

    const computed = await runKpis(join(dir, 'events.jsonl'), join(dir, 'data'));
    const expected = kpisFromTruth(sales, purchases, 'c1');
    for (const [name, rows] of expected) {
      expect(rows.length, name).toBeGreaterThan(10);
      expect(computed.get(name)!.map((r) => [r.period, r.dimension, r.numerator, r.denominator]), name).toEqual(rows);
    }
    // Some service was imperfect (the generator injects late and partial deliveries), so the test can tell.
    expect(computed.get('otif_line')!.some((r) => r.value !== null && r.value < 1)).toBe(true);

    const shuffled = join(dir, 'shuffled.jsonl');
    writeFileSync(shuffled, shuffleWithinDays(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean), 3, seed).join('\n') + '\n');
    expect(await runKpis(shuffled, join(dir, 'data-shuffled'))).toEqual(computed);
  }, 120_000);
});
