import type { Emitter } from '../processors/processor.js';
import type { Store } from '../store/store.js';

/** Rows emitted by processors since the last commit, grouped by table. */
export class Outputs implements Emitter {
  private tables = new Map<string, object[]>();
  rows = 0;

  emit(table: string, row: object): void {
    let list = this.tables.get(table);
    if (!list) this.tables.set(table, (list = []));
    list.push(row);
    this.rows++;
  }

  /** Writes everything to the store (tables in parallel) and starts empty again. */
  async writeTo(store: Store): Promise<void> {
    const tables = this.tables;
    this.tables = new Map();
    this.rows = 0;
    await Promise.all([...tables].map(([table, rows]) => store.insert(table, rows)));
  }
}
