import type { Condition } from './alert.js';
import { anomalousDocuments, modelEvidence } from './anomaly-documents.js';
import { round, type AlertRule } from './rule.js';

/**
 * One alert per inventory adjustment whose anomaly score is at or above the threshold, for finance:
 * the move, the count it follows, who counted, and the reasons the scorer gave. It clears only if
 * the score falls below the threshold (a newly promoted model that judges it normal).
 */
export const ADJUSTMENT_ANOMALY_RULE: AlertRule = {
  kind: 'anomalous_adjustment',
  ownerRole: 'finance',
  description: 'An inventory adjustment whose anomaly score (learned combined where the promoted model scored it, else robust) is at least LEDGERLINE_ALERT_ADJUSTMENT_SCORE.',
  documentRule: true,
  async evaluate({ store, thresholds }) {
    const docs = await anomalousDocuments(store, 'adjustment', Math.min(...thresholds.values('adjustmentScore')));
    return docs.flatMap((d): Condition[] => {
      const threshold = thresholds.get('adjustmentScore', d);
      if (d.score < threshold.value) return [];
      const value = Math.abs(d.qty) * d.price;
      return [{
        key: `${d.company}/${d.doc_id}`,
        severity: d.score >= 0.95 ? 'high' : 'medium',
        ownerRole: 'finance',
        title: `Adjustment of ${d.qty > 0 ? '+' : ''}${d.qty} ${d.sku} at ${d.warehouse} (value ${round(value, 2)}) scores ${d.score.toFixed(2)}: ${d.reasons
          .slice(0, 3)
          .map((r) => r.feature)
          .join(', ')}`,
        subject: { company: d.company, sku: d.sku, warehouse: d.warehouse, move_id: d.doc_id },
        evidence: {
          score: d.score,
          robust_score: d.robust_score,
          learned_combined: d.learned_combined,
          reasons: d.reasons,
          move_id: d.doc_id,
          count_id: d.related_id,
          event_id: d.event_id,
          occurred_at: d.occurred_at,
          qty: d.qty,
          unit_cost: d.price,
          value: round(value, 2),
          counted_by: d.actor,
          reason_code: d.reason_code,
          system_qty: d.system_qty,
          model: modelEvidence(d),
          threshold: threshold.value,
          ...(threshold.from === 'default' ? {} : { threshold_scope: threshold.from }),
        },
        observedAt: d.occurred_at,
      }];
    });
  },
};
