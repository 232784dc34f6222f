import type { Emitter } from '../processors/processor.js';
import type { Store } from '../store/store.js';
import { TsvRows } from '../store/tsv.js';

/** Rows buffered by processors before they are written and offsets committed (or LEDGERLINE_COMMIT_MS). */
export const COMMIT_ROWS = 200_000;

/** Rows emitted by processors since the last commit, per table, already serialized. */
export class Outputs implements Emitter {
  private tables = new Map<string, TsvRows>();
  rows = 0;

  emit(table: string, row: object): void {
    let rows = this.tables.get(table);
    if (!rows) this.tables.set(table, (rows = new TsvRows()));
    rows.add(row);
    this.rows++;
  }

  /** Writes everything to the store (tables in parallel) and starts empty again. */
  async writeTo(store: Store): Promise<void> {
    const tables = this.tables;
    this.tables = new Map();
    this.rows = 0;
    await Promise.all([...tables].map(([table, tsv]) => tsv.writeTo(store, table)));
  }
}
