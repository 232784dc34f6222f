import type { Condition, OwnerRole } from './alert.js';
import { anomalousDocuments, modelEvidence } from './anomaly-documents.js';
import { round, type AlertRule } from './rule.js';

/** The purchase anomalies the scorer names, in the order an alert is labelled by. */
const PURCHASE_FEATURES = ['duplicate', 'price', 'quantity'] as const;

/**
 * One alert per purchase order line whose anomaly score is at or above the threshold: a duplicate
 * order, a price far from the SKU's usual, an odd quantity (the scorer's reasons say which). Money
 * questions (duplicate, price) go to finance, a quantity-only one to the buyer who placed it.
 */
export const PURCHASE_ANOMALY_RULE: AlertRule = {
  kind: 'purchase_anomaly',
  ownerRole: 'finance',
  description:
    'A purchase order line whose anomaly score is at least LEDGERLINE_ALERT_PURCHASE_SCORE; labelled duplicate, price or quantity from the scorer\'s reasons (finance for duplicate and price, the buyer for quantity alone).',
  documentRule: true,
  async evaluate({ store, thresholds }) {
    const docs = await anomalousDocuments(store, 'purchase', Math.min(...thresholds.values('purchaseScore')));
    return docs.flatMap((d): Condition[] => {
      const threshold = thresholds.get('purchaseScore', d);
      if (d.score < threshold.value) return [];
      const found = PURCHASE_FEATURES.filter((f) => d.reasons.some((r) => r.feature === f && r.evidence > 0));
      const owner: OwnerRole = found.length === 1 && found[0] === 'quantity' ? 'buyer' : 'finance';
      const twin = d.reasons.find((r) => r.feature === 'duplicate')?.value;
      const price = d.reasons.find((r) => r.feature === 'price');
      return [{
        key: `${d.company}/${d.doc_id}`,
        severity: found.includes('duplicate') || d.score >= 0.95 ? 'high' : 'medium',
        ownerRole: owner,
        title: `Purchase line ${d.doc_id} (${d.qty} ${d.sku} at ${d.price} from ${d.actor}): ${found.length ? found.join(', ') : d.reasons.map((r) => r.feature).join(', ')}`,
        subject: { company: d.company, sku: d.sku, warehouse: d.warehouse, vendor: d.actor, order_id: d.related_id ?? undefined, line_id: d.doc_id },
        evidence: {
          anomalies: found,
          score: d.score,
          robust_score: d.robust_score,
          learned_combined: d.learned_combined,
          reasons: d.reasons,
          line_id: d.doc_id,
          order_id: d.related_id,
          duplicate_of: typeof twin === 'string' ? twin : null,
          event_id: d.event_id,
          occurred_at: d.occurred_at,
          vendor: d.actor,
          qty_ordered: d.qty,
          unit_price: d.price,
          typical_price: typeof price?.typical === 'number' ? price.typical : null,
          value: round(d.qty * d.price, 2),
          model: modelEvidence(d),
          threshold: threshold.value,
          ...(threshold.from === 'default' ? {} : { threshold_scope: threshold.from }),
        },
        observedAt: d.occurred_at,
      }];
    });
  },
};
