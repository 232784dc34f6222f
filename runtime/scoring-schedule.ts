import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../alerts/settings.js';
import { DEFAULT_RISK_SETTINGS, type RiskSettings } from '../models/stockout-scores.js';
import type { Store } from '../store/store.js';
import { alertingSummary, evaluateAlerts } from './alerting-job.js';
import { rescoreAnomalies } from './anomaly-rescoring.js';
import { scoreStockouts, type ScoringResult } from './scoring-job.js';

/**
 * Runs the scoring (stockout risk, the learned anomaly scores, then the alert rules over them) now
 * and then every `intervalMs`
 * (0: never) until stopped; one run at a time. A run reads the promoted models afresh, so a
 * promotion applies from the next run without a restart. A failed run is reported and retried at
 * the next tick: scores age, the API keeps serving.
 */
export function scheduleScoring(
  store: Store,
  intervalMs: number,
  options: { risk?: RiskSettings; alerts?: AlertSettings; report?: (line: string) => void } = {},
): { stop(): Promise<void> } {
  const settings = options.risk ?? DEFAULT_RISK_SETTINGS;
  const alertSettings = options.alerts ?? DEFAULT_ALERT_SETTINGS;
  const report = options.report ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = async () => {
    try {
      const result: ScoringResult | undefined = await scoreStockouts(store, { settings });
      if (result) report(`ledgerline: scored ${result.cells} SKU×warehouse cells as of ${result.as_of} with forecast model v${result.model_version} (${result.at_risk} at risk ≥ 0.5) in ${result.seconds} s`);
      const anomalies = await rescoreAnomalies(store);
      if (anomalies?.documents) report(`ledgerline: applied anomaly model v${anomalies.model_version} to ${anomalies.documents} new documents`);
      report(alertingSummary(await evaluateAlerts(store, alertSettings)));
    } catch (e) {
      report(`ledgerline: scoring failed, retrying in ${Math.max(1, Math.round(intervalMs / 60_000))} min: ${(e as Error).message}`);
    }
  };
  // A tick while a run is still going is skipped: runs never queue up behind a slow one.
  const tick = () => {
    if (stopped || running) return;
    running = run().finally(() => (running = undefined));
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
