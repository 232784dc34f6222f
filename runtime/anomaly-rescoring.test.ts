import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../api/app.js';
import { openStore } from '../cli/open-store.js';
import type { ExceptionLabel } from '../ingest/generator/truth.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { kpiSettings } from '../kpis/kpi.js';
import { averagePrecision } from '../models/anomaly/average-precision.js';
import { ModelRegistry } from '../models/registry.js';
import { readJsonl, runInputs, tempDir, testConfig } from '../testing/harness.js';
import { ANOMALY_MODEL, rescoreAnomalies } from './anomaly-rescoring.js';
import { trainAnomalyModels } from './anomaly-training.js';

interface Row {
  kind: string;
  doc_id: string;
  score: number;
  combined: number;
  learned_z: number;
}

describe.each([1, 2, 3])('learned anomaly scores for generator seed %i', (seed) => {
  it('combined with the robust ones, still rank the injected anomalies first; served by the API', async () => {
    const dir = tempDir(`anomaly-learned-${seed}`);
    await writeDataset({ seed, days: 90, skus: 30, warehouses: 3, out: dir });
    const labels = readJsonl<ExceptionLabel>(join(dir, 'truth', 'exceptions.jsonl'));
    const positives = {
      adjustment: new Set(labels.filter((l) => l.kind === 'anomalous_adjustment').map((l) => l.move_id!)),
      purchase: new Set([
        ...labels.filter((l) => l.kind === 'duplicate_po').map((l) => l.duplicate_purchase_line_id!),
        ...labels.filter((l) => l.kind === 'mispriced_po').map((l) => l.purchase_line_id!),
      ]),
    };
    const config = testConfig();
    const store = await openStore(config, join(dir, 'data'));
    try {
      await runInputs(store, config, [join(dir, 'events.jsonl')]);
      const artifact = join(dir, 'model');
      const training = await trainAnomalyModels(store, artifact, { epochs: 40 });
      const registry = new ModelRegistry(store);
      const v = await registry.register({ kind: ANOMALY_MODEL, spec: { model: 'autoencoder' }, train_from: training.from, train_to: training.to, series: training.documents, metrics: training.metrics, note: '' }, 'test', () => artifact);
      await registry.promote(ANOMALY_MODEL, v.version, 'test');
      const first = await rescoreAnomalies(store);
      expect(first?.documents).toBe(training.documents);
      expect((await rescoreAnomalies(store))?.documents).toBe(0); // nothing new: nothing scored twice

      const rows = await store.query<Row>(
        `SELECT a.kind AS kind, a.doc_id AS doc_id, a.score AS score, m.combined AS combined, m.learned_z AS learned_z
         FROM (SELECT * FROM anomaly_scores FINAL) AS a JOIN (SELECT * FROM anomaly_model_scores FINAL) AS m USING (company, kind, doc_id)`,
      );
      const figures: Record<string, number> = {};
      for (const kind of ['adjustment', 'purchase'] as const) {
        const docs = rows.filter((r) => r.kind === kind);
        const ap = (score: (r: Row) => number) => averagePrecision(docs.map((r) => ({ id: r.doc_id, score: score(r) })), positives[kind]);
        figures[`${kind}_robust`] = ap((r) => r.score);
        figures[`${kind}_learned_alone`] = ap((r) => r.learned_z);
        figures[`${kind}_combined`] = ap((r) => r.combined);
        for (const r of docs) expect(r.combined).toBeGreaterThanOrEqual(r.score); // learned evidence only adds
        expect(figures[`${kind}_combined`]!, kind).toBeGreaterThanOrEqual(0.8);
      }
      console.log(`anomaly average precision, seed ${seed}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, x]) => [k, Math.round(x * 1000) / 1000])))}`);

      const server = createApp(store, kpiSettings(config)).listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
        const body = (await (await fetch(`${base}/anomalies?kind=adjustment&limit=5`)).json()) as { model_version: number; rows: { doc_id: string; score: number; learned_combined: number; reasons: { feature: string }[] }[] };
        expect(body.model_version).toBe(v.version);
        expect(body.rows).toHaveLength(5);
        expect(positives.adjustment.has(body.rows[0]!.doc_id)).toBe(true);
        expect(body.rows[0]!.score).toBe(body.rows[0]!.learned_combined);
        expect(body.rows[0]!.reasons.length).toBeGreaterThan(0);
        expect((await fetch(`${base}/anomalies?kind=refund`)).status).toBe(400);
      } finally {
        server.close();
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
