import { queryLedger } from '../store/ledger-query.js';
import type { Condition } from './alert.js';
import type { AlertRule } from './rule.js';

/**
 * One alert per SKU and stock location whose live position is negative: on hand below zero (the
 * system has shipped or adjusted more than it ever received: a data error to fix, for whoever keeps
 * the stock records) or, less urgent, available below zero (more promised to open orders than is
 * there: the buyer's shortage). The ledger's own bucket definitions (store/ledger-query.ts) decide.
 * It clears when the position is back at or above zero.
 */
export const NEGATIVE_STOCK_RULE: AlertRule = {
  kind: 'negative_stock',
  ownerRole: 'buyer',
  description: 'A SKU at a stock location with on hand below zero (high) or available — on hand less quarantined and reserved — below zero (medium), in the live ledger.',
  documentRule: false,
  async evaluate({ store, streamTime }) {
    if (streamTime === undefined) return undefined;
    const rows = await queryLedger(store, { negativeOnly: true });
    return rows.map((r): Condition => {
      const onHand = r.on_hand < 0;
      return {
        key: `${r.company}/${r.sku}@${r.location}`,
        severity: onHand ? 'high' : 'medium',
        ownerRole: 'buyer',
        title: onHand
          ? `${r.sku} at ${r.location}: on hand is ${r.on_hand}, below zero`
          : `${r.sku} at ${r.location}: ${r.reserved} reserved against ${r.on_hand - r.quarantined} unquarantined on hand (available ${r.available})`,
        subject: { company: r.company, sku: r.sku, warehouse: r.warehouse, location: r.location },
        evidence: {
          measure: onHand ? 'on_hand' : 'available',
          on_hand: r.on_hand,
          reserved: r.reserved,
          quarantined: r.quarantined,
          in_transit: r.in_transit,
          available: r.available,
        },
        observedAt: streamTime,
      };
    });
  },
};
