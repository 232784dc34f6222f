import type { Store } from '../store/store.js';
import { rescoreAnomalies } from './anomaly-rescoring.js';
import { scoreStockouts, type ScoringResult } from './scoring-job.js';

/**
 * Runs the scoring (stockout risk, then the learned anomaly scores) now and then every `intervalMs`
 * (0: never) until stopped; one run at a time. A run reads the promoted models afresh, so a
 * promotion applies from the next run without a restart. A failed run is reported and retried at
 * the next tick: scores age, the API keeps serving.
 */
export function scheduleScoring(store: Store, intervalMs: number, report: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): { stop(): Promise<void> } {
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const result: ScoringResult | undefined = await scoreStockouts(store);
        if (result) report(`ledgerline: scored ${result.cells} SKU×warehouse cells as of ${result.as_of} with forecast model v${result.model_version} (${result.at_risk} at risk ≥ 0.5) in ${result.seconds} s`);
        const anomalies = await rescoreAnomalies(store);
        if (anomalies?.documents) report(`ledgerline: applied anomaly model v${anomalies.model_version} to ${anomalies.documents} new documents`);
      } catch (e) {
        report(`ledgerline: scoring failed, retrying in ${Math.round(intervalMs / 60_000)} min: ${(e as Error).message}`);
      }
    });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
