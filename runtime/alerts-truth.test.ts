import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { AlertService } from '../alerts/alert-service.js';
import { DEFAULT_ALERT_SETTINGS } from '../alerts/settings.js';
import { openStore } from '../cli/open-store.js';
import type { CountTruth, ExceptionLabel, LedgerRow, PurchaseLineTruth, SalesLineTruth } from '../ingest/generator/truth.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import { readJsonl, runInputs, tempDir, testConfig } from '../testing/harness.js';
import { evaluateAlerts } from './alerting-job.js';
import { scoreStockouts } from './scoring-job.js';

/** Precision and recall of a set of alerted ids against the labelled ones. */
function match(alerted: ReadonlySet<string>, labelled: ReadonlySet<string>) {
  const hits = [...alerted].filter((id) => labelled.has(id)).length;
  return { alerts: alerted.size, labels: labelled.size, hits, precision: alerted.size ? hits / alerted.size : 1, recall: labelled.size ? hits / labelled.size : 1 };
}
const round = (x: number) => Math.round(x * 1000) / 1000;
const DAY_MS = 86_400_000;

/**
 * The service breaches the generator's own sales lines imply, computed here from truth/ without the
 * pipeline or the KPI SQL: per warehouse over the window's committed days (OTIF: completed by the end
 * of the committed day; the simulation has no returns) or first-shipment days (fill: the first
 * shipment carried the whole line).
 */
function serviceTruth(lines: readonly SalesLineTruth[], measure: 'otif' | 'fill', fromDay: string, toDay: string, target: number, minLines: number) {
  const per = new Map<string, { num: number; den: number }>();
  for (const l of lines) {
    if (l.state === 'cancelled' || l.qty_ordered <= 0) continue;
    const day = measure === 'otif' ? l.committed_date?.slice(0, 10) : l.first_shipment_at?.slice(0, 10);
    if (day === undefined || day < fromDay || day >= toDay) continue;
    const ok = measure === 'otif' ? l.completed_at !== null && l.completed_at.slice(0, 10) <= day : l.first_shipment_qty >= l.qty_ordered;
    const w = per.get(l.warehouse) ?? { num: 0, den: 0 };
    w.num += ok ? 1 : 0;
    w.den += 1;
    per.set(l.warehouse, w);
  }
  return new Map([...per].filter(([, w]) => w.den >= minLines && w.num / w.den < target));
}

/**
 * The drifting cells truth/counts.jsonl implies under the stock_drift definition (exact tolerance):
 * per SKU × location, the counts after the first, within the window, with counted ≠ system.
 */
function driftTruth(counts: readonly CountTruth[], from: string, to: string, minVariances: number) {
  const cells = new Map<string, CountTruth[]>();
  for (const c of [...counts].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0))) {
    const k = `${c.sku}@${c.location}`;
    cells.set(k, [...(cells.get(k) ?? []), c]);
  }
  const out = new Map<string, CountTruth[]>();
  for (const [k, list] of cells) {
    const off = list.slice(1).filter((c) => c.occurred_at >= from && c.occurred_at <= to && c.counted_qty !== c.system_qty);
    if (off.length >= minVariances) out.set(k, off);
  }
  return out;
}

/**
 * The alerts on a generated distributor against what the generator injected (truth/): each kind of
 * alert compared with the labels or the truth facts that say which conditions hold at the end of the
 * stream. Every alert of the history is wanted here, so the max age is off. The counts are printed
 * for the closing note.
 */
describe.each([1, 2, 3])('alerts for generator seed %i', (seed) => {
  it('match the injected exceptions, and evaluating again opens nothing new', async () => {
    const dir = tempDir(`alerts-${seed}`);
    await writeDataset({ seed, days: 120, skus: 30, warehouses: 3, out: dir });
    const labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
    const config = testConfig();
    const store = await openStore(config, join(dir, 'data'));
    try {
      await runInputs(store, config, [join(dir, 'events.jsonl')]);
      expect(await scoreStockouts(store)).toBeDefined();
      // Stockout risk at 0.2: on the last day of these runs few cells reach the default 0.5 (seed 1: none), and the rule should be seen at work.
      // Service targets of 96 % (OTIF) and 97 % (fill): at the default 95 % seed 2 breaches neither; at these each seed has warehouses on both sides of one of them.
      const settings = { ...DEFAULT_ALERT_SETTINGS, maxAgeDays: 0, stockoutRisk: 0.2, otifTarget: 0.96, fillRateTarget: 0.97 };
      const first = await evaluateAlerts(store, settings);
      const service = new AlertService(store);
      const { alerts } = await service.list({ limit: 10_000 });
      const byKind = (kind: Alert['kind']) => alerts.filter((a) => a.kind === kind);
      const ids = (kind: Alert['kind'], field: string) => new Set(byKind(kind).map((a) => String(a.evidence[field])));

      const adjustments = match(ids('anomalous_adjustment', 'move_id'), new Set(labels.filter((l) => l.kind === 'anomalous_adjustment' && l.move_id).map((l) => l.move_id!)));
      const purchases = match(
        ids('purchase_anomaly', 'line_id'),
        new Set([...labels.filter((l) => l.kind === 'duplicate_po').map((l) => l.duplicate_purchase_line_id!), ...labels.filter((l) => l.kind === 'mispriced_po').map((l) => l.purchase_line_id!)]),
      );
      const priceBills = new Set(byKind('bill_mismatch').filter((a) => a.evidence.exception === 'price').map((a) => String(a.evidence.bill_line_id)));
      const bills = match(priceBills, new Set(labels.filter((l) => l.kind === 'mispriced_bill').map((l) => l.bill_line_id!)));

      // Open late lines at the end of the stream, from the generator's own purchase lines.
      const end = (await streamTime(new Checkpoints(store)))!.slice(0, 10);
      const lateTruth = new Set(
        readJsonl<PurchaseLineTruth>(join(dir, 'truth', 'purchase_lines.jsonl'))
          .filter((l) => l.received_qty < l.qty_ordered && l.planned_date.slice(0, 10) < end)
          .map((l) => l.line_id),
      );
      const late = match(ids('late_supplier', 'line_id'), lateTruth);
      const negativeTruth = new Set(
        readJsonl<LedgerRow>(join(dir, 'truth', 'ledger.jsonl'))
          .filter((r) => r.on_hand < 0 || r.available < 0)
          .map((r) => `${r.sku}@${r.location}`),
      );
      const negative = match(new Set(byKind('negative_stock').map((a) => `${a.subject.sku}@${a.subject.location}`)), negativeTruth);
      // Service breaches and drifting stock, against the truth computed above from the generator's lines and counts.
      const streamAt = (await streamTime(new Checkpoints(store)))!;
      const windowFrom = new Date(Date.parse(`${end}T00:00:00.000Z`) - settings.serviceWindowDays * DAY_MS).toISOString().slice(0, 10);
      const salesTruth = readJsonl<SalesLineTruth>(join(dir, 'truth', 'sales_lines.jsonl'));
      const breach = (kind: 'otif_breach' | 'fill_rate_breach', measure: 'otif' | 'fill', target: number) => {
        const truth = serviceTruth(salesTruth, measure, windowFrom, end, target, settings.serviceMinLines);
        const alerted = byKind(kind);
        const m = match(new Set(alerted.map((a) => a.subject.warehouse!)), new Set(truth.keys()));
        const figures = alerted.map((a) => [a.subject.warehouse, a.evidence.numerator, a.evidence.denominator]);
        const truthFigures = alerted.map((a) => [a.subject.warehouse, truth.get(a.subject.warehouse!)?.num, truth.get(a.subject.warehouse!)?.den]);
        return { ...m, figures, truthFigures };
      };
      const otif = breach('otif_breach', 'otif', settings.otifTarget);
      const fill = breach('fill_rate_breach', 'fill', settings.fillRateTarget);
      const driftFrom = new Date(Date.parse(streamAt) - settings.driftWindowDays * DAY_MS).toISOString();
      const countTruth = readJsonl<CountTruth>(join(dir, 'truth', 'counts.jsonl'));
      const drifting = driftTruth(countTruth, driftFrom, streamAt, settings.driftVariances);
      const driftAlerts = byKind('stock_drift');
      const drift = match(new Set(driftAlerts.map((a) => `${a.subject.sku}@${a.subject.location}`)), new Set(drifting.keys()));
      // What the generator says lies behind them: a miscount (the count was wrong, the next one undoes it) or shrinkage.
      const miscounts = labels.filter((l) => l.kind === 'miscount' && l.move_id);
      const miscountIds = new Set(miscounts.map((l) => l.count_id!));
      const withMiscount = [...drifting.values()].filter((off) => off.some((c) => miscountIds.has(c.count_id))).length;
      // A miscount can only show as drift once the next count has undone it within the window.
      const undone = miscounts.filter((l) => {
        const cell = countTruth.filter((c) => c.sku === l.sku && c.location === `${l.warehouse}/Stock`).sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : 1));
        const i = cell.findIndex((c) => c.count_id === l.count_id);
        return cell[i]!.occurred_at >= driftFrom && i + 1 < cell.length && cell[i + 1]!.counted_qty !== cell[i + 1]!.system_qty;
      });
      const miscountsCaught = undone.filter((l) => driftAlerts.some((a) => a.subject.sku === l.sku && a.subject.location === `${l.warehouse}/Stock`)).length;
      const [atRisk] = await store.query<{ n: string }>(
        `SELECT toString(count()) AS n FROM stockout_risk FINAL WHERE as_of = (SELECT max(as_of) FROM stockout_risk) AND risk >= {t:Float64}`,
        { t: settings.stockoutRisk },
      );

      const figures = {
        evaluation: first.kinds,
        anomalous_adjustment: { ...adjustments, precision: round(adjustments.precision), recall: round(adjustments.recall) },
        purchase_anomaly: { ...purchases, precision: round(purchases.precision), recall: round(purchases.recall) },
        bill_mismatch_price: { ...bills, precision: round(bills.precision), recall: round(bills.recall), other_mismatches: byKind('bill_mismatch').length - priceBills.size },
        late_supplier: { ...late, precision: round(late.precision), recall: round(late.recall) },
        negative_stock: negative,
        stockout_risk: { alerts: byKind('stockout_risk').length, rows_at_or_above_threshold: Number(atRisk!.n) },
        dead_letter_surge: byKind('dead_letter_surge').length,
        otif_breach: { alerts: otif.alerts, labels: otif.labels, precision: round(otif.precision), recall: round(otif.recall) },
        fill_rate_breach: { alerts: fill.alerts, labels: fill.labels, precision: round(fill.precision), recall: round(fill.recall) },
        stock_drift: {
          ...drift,
          precision: round(drift.precision),
          recall: round(drift.recall),
          shrink: driftAlerts.filter((a) => a.evidence.pattern === 'shrink').length,
          back_and_forth: driftAlerts.filter((a) => a.evidence.pattern === 'back_and_forth').length,
          with_a_miscount: withMiscount,
          miscounts_undone_in_window: undone.length,
          miscounts_caught: miscountsCaught,
        },
      };
      console.log(`alerts seed ${seed}: ${JSON.stringify(figures)}`);

      expect(adjustments.labels).toBeGreaterThan(5);
      expect(adjustments.precision).toBeGreaterThanOrEqual(0.8);
      expect(adjustments.recall).toBeGreaterThanOrEqual(0.8);
      expect(purchases.labels).toBeGreaterThan(5);
      expect(purchases.precision).toBeGreaterThanOrEqual(0.8);
      expect(purchases.recall).toBeGreaterThanOrEqual(0.8);
      // Bills and late lines are facts, not scores: the alerts are exactly the truth's.
      expect(bills.labels).toBeGreaterThan(0);
      expect(bills).toMatchObject({ precision: 1, recall: 1 });
      expect(late.labels).toBeGreaterThan(0);
      expect(late).toMatchObject({ precision: 1, recall: 1 });
      expect(negative).toMatchObject({ precision: 1, recall: 1 });
      expect(Number(atRisk!.n)).toBeGreaterThan(0);
      expect(byKind('stockout_risk').length).toBe(Number(atRisk!.n));
      for (const a of byKind('stockout_risk')) expect(a.evidence.risk as number).toBeGreaterThanOrEqual(settings.stockoutRisk);
      expect(byKind('dead_letter_surge')).toEqual([]);
      // KPI breaches and count drift are facts, not scores: exactly the truth's, with the truth's figures.
      expect(otif.labels).toBeGreaterThan(0);
      expect(otif).toMatchObject({ precision: 1, recall: 1 });
      expect(otif.figures).toEqual(otif.truthFigures);
      expect(fill).toMatchObject({ precision: 1, recall: 1 });
      expect(fill.figures).toEqual(fill.truthFigures);
      expect(drift.labels).toBeGreaterThan(0);
      expect(drift).toMatchObject({ precision: 1, recall: 1 });
      for (const a of driftAlerts) expect(a.evidence.variances).toBe(drifting.get(`${a.subject.sku}@${a.subject.location}`)!.length);
      // Every miscount the next count undid within the window is behind a drift alert.
      expect(miscountsCaught).toBe(undone.length);

      // One alert per condition: a second evaluation over the same store opens and resolves nothing.
      const second = await evaluateAlerts(store, settings);
      for (const [kind, c] of Object.entries(second.kinds)) {
        if (c === 'not judged' || !c) continue;
        expect(c, kind).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
      }
      const [dupes] = await store.query<{ n: string }>(
        `SELECT toString(count()) AS n FROM (SELECT kind, condition_key FROM alerts FINAL WHERE status IN ('open', 'acknowledged') GROUP BY kind, condition_key HAVING count() > 1)`,
      );
      expect(dupes!.n).toBe('0');
      expect((await service.list({ limit: 10_000 })).total).toBe(alerts.length);
    } finally {
      await store.close();
    }
  }, 180_000);
});
