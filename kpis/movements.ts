/**
 * The ledger's movements (`ledger_movements`, every version kept) at each move's latest version: what
 * the KPIs built on stock (adjustments, stockouts, turns) read.
 */
export const LATEST_MOVEMENTS = `
  SELECT * FROM ledger_movements FINAL
  ORDER BY version DESC
  LIMIT 1 BY company, sku, location, move_id`;
