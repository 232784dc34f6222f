import type { BusRecord } from '../bus/bus.js';
import type { ErpEvent } from '../events/schema.js';
import type { Emitter, Processor } from './processor.js';

/**
 * A stateless processor: one fact row per event of one type, into a table that keeps each record's
 * highest version, so a late or repeated event replaces the fact instead of adding one. Restore has
 * nothing to do: the table is the state.
 */
export class ProjectionProcessor<T extends ErpEvent['type']> implements Processor {
  constructor(
    readonly name: string,
    private readonly type: T,
    private readonly table: string,
    private readonly row: (e: Extract<ErpEvent, { type: T }>, offset: number) => object,
  ) {}

  apply({ offset, value }: BusRecord<ErpEvent>, out: Emitter): void {
    if (value.type === this.type) out.emit(this.table, this.row(value as Extract<ErpEvent, { type: T }>, offset));
  }

  flush(): void {}

  async restore(): Promise<void> {}
}
