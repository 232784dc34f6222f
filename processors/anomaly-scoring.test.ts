import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BusRecord } from '../bus/bus.js';
import { openInputs } from '../cli/inputs.js';
import type { ErpEvent } from '../events/schema.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import type { ExceptionLabel } from '../ingest/generator/truth.js';
import { EmbeddedPipeline } from '../runtime/embedded-pipeline.js';
import { jobProcessors } from '../runtime/job-processors.js';
import { readJsonl, runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';
import type { Processor } from './processor.js';
import { averagePrecision } from '../models/anomaly/average-precision.js';

interface ScoreRow {
  kind: string;
  doc_id: string;
  related_id: string | null;
  score: number;
  reasons: string;
  model: string;
}

async function scores(dataDir: string): Promise<ScoreRow[]> {
  return withStore(dataDir, (store) => store.query<ScoreRow>('SELECT kind, doc_id, related_id, score, reasons, model FROM anomaly_scores FINAL ORDER BY kind, doc_id'));
}

describe.each([1, 2, 3])('anomaly scores on generator seed %i', (seed) => {
  it('rank the labelled anomalous adjustments, duplicate and mispriced purchase lines first (average precision ≥ 0.8)', async () => {
    const dir = tempDir(`anomaly-${seed}`);
    await writeDataset({ seed, days: 90, skus: 30, warehouses: 3, out: dir });
    await withStore(join(dir, 'data'), async (store) => {
      const summary = await runInputs(store, testConfig({ LEDGERLINE_BATCH_EVENTS: 2000 }), [join(dir, 'events.jsonl')]);
      expect(summary.dead_lettered).toBe(0);
    });
    const rows = await scores(join(dir, 'data'));
    const labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
    const adjustmentTruth = readJsonl<{ move_id: string }>(join(dir, 'truth', 'adjustments.jsonl'));
    const purchaseTruth = readJsonl<{ line_id: string }>(join(dir, 'truth', 'purchase_lines.jsonl'));

    const adjustments = rows.filter((r) => r.kind === 'adjustment');
    const purchases = rows.filter((r) => r.kind === 'purchase');
    // Every adjustment move and every purchase line is scored once, in [0, 1], with parseable reasons.
    expect(adjustments.map((r) => r.doc_id).sort()).toEqual(adjustmentTruth.map((a) => a.move_id).sort());
    expect(purchases.map((r) => r.doc_id).sort()).toEqual(purchaseTruth.map((l) => l.line_id).sort());
    for (const r of rows) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(Array.isArray(JSON.parse(r.reasons))).toBe(true);
      expect(r.model).toBe('robust-v1');
    }

    const anomalous = new Set(labels.filter((l) => l.kind === 'anomalous_adjustment').map((l) => l.move_id!));
    const badPurchases = new Set(
      labels.flatMap((l) => (l.kind === 'duplicate_po' ? [l.duplicate_purchase_line_id!] : l.kind === 'mispriced_po' ? [l.purchase_line_id!] : [])),
    );
    expect(anomalous.size, 'the seed has anomalous adjustments').toBeGreaterThan(2);
    expect(badPurchases.size, 'the seed has duplicate or mispriced purchase lines').toBeGreaterThan(2);
    const apAdjustments = averagePrecision(adjustments.map((r) => ({ id: r.doc_id, score: r.score })), anomalous);
    const apPurchases = averagePrecision(purchases.map((r) => ({ id: r.doc_id, score: r.score })), badPurchases);
    // Each kind on its own: the other kind's lines left out of the ranking (they are not false positives).
    const apOf = (ids: Set<string>) => averagePrecision(purchases.filter((r) => ids.has(r.doc_id) || !badPurchases.has(r.doc_id)).map((r) => ({ id: r.doc_id, score: r.score })), ids);
    const apDuplicates = apOf(new Set(labels.filter((l) => l.kind === 'duplicate_po').map((l) => l.duplicate_purchase_line_id!)));
    const apMispriced = apOf(new Set(labels.filter((l) => l.kind === 'mispriced_po').map((l) => l.purchase_line_id!)));
    console.log(
      JSON.stringify({
        seed,
        adjustments: adjustments.length,
        anomalous: anomalous.size,
        ap_adjustments: +apAdjustments.toFixed(4),
        purchases: purchases.length,
        duplicate_or_mispriced: badPurchases.size,
        ap_purchases: +apPurchases.toFixed(4),
        ap_duplicate_po: +apDuplicates.toFixed(4),
        ap_mispriced_po: +apMispriced.toFixed(4),
      }),
    );
    expect(apAdjustments).toBeGreaterThanOrEqual(0.8);
    expect(apPurchases).toBeGreaterThanOrEqual(0.8);

    // The reasons of a top anomalous adjustment name how far it is from normal.
    const top = adjustments.filter((r) => anomalous.has(r.doc_id)).sort((a, b) => b.score - a.score)[0]!;
    const reasons = JSON.parse(top.reasons) as Array<{ feature: string; value: unknown; typical?: number; robust_z?: number; evidence: number }>;
    const size = reasons.find((r) => r.feature === 'size');
    expect(size, top.reasons).toBeDefined();
    expect(size!.robust_z!).toBeGreaterThan(3);
    expect(Number(size!.value)).toBeGreaterThan(size!.typical!);
  }, 180_000);
});

/** Fails the run once it has seen `after` records (a crash between commits). */
class CrashAfter implements Processor {
  readonly name = 'crash';
  private seen = 0;
  constructor(private readonly after: number) {}
  apply(_r: BusRecord<ErpEvent>): void {
    if (++this.seen === this.after) throw new Error('injected crash');
  }
  flush(): void {}
  async restore(): Promise<void> {}
}

describe('anomaly scores after crashes', () => {
  let dir: string;
  let clean: ScoreRow[];
  beforeAll(async () => {
    dir = tempDir('anomaly-crash');
    await writeDataset({ seed: 5, days: 120, skus: 25, warehouses: 3, out: dir });
    await withStore(join(dir, 'clean'), (store) => runInputs(store, testConfig({ LEDGERLINE_BATCH_EVENTS: 2000 }), [join(dir, 'events.jsonl')]));
    clean = await scores(join(dir, 'clean'));
    expect(clean.length).toBeGreaterThan(300);
  }, 180_000);

  it('restore from the committed offsets and a replay of the log give the rows of one clean run', async () => {
    const dataDir = join(dir, 'crashed');
    // Frequent commits, so that each crash lands with state committed, written-but-uncommitted and pending.
    const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 1000, LEDGERLINE_COMMIT_MS: 10 });
    for (const after of [3_000, 3_000, 3_000]) {
      await withStore(dataDir, async (store) => {
        const pipeline = new EmbeddedPipeline(store, config, () => [...jobProcessors(), new CrashAfter(after)]);
        await expect(pipeline.run(await openInputs([join(dir, 'events.jsonl')], config))).rejects.toThrow('injected crash');
      });
    }
    const partial = await scores(dataDir);
    expect(partial.length, 'the crashes left some rows').toBeGreaterThan(0);
    expect(partial.length, 'and not all of them').toBeLessThan(clean.length);
    await withStore(dataDir, (store) => runInputs(store, config, [join(dir, 'events.jsonl')]));
    expect(await scores(dataDir)).toEqual(clean);
  }, 240_000);
});
