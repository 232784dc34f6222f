import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../events/examples.js';
import { eventId } from '../events/event-id.js';
import type { ErpEvent } from '../events/schema.js';
import type { ChdbStore } from './chdb-store.js';
import { EventLog } from './event-log.js';

const event = (n: number | string): ErpEvent => {
  const id = `stock.move:${n}`;
  return { ...EXAMPLES.stock_move, record_id: id, move_id: id, event_id: eventId('odoo-prod', 'stock_move', id, 1), ingested_at: '2025-01-01T00:00:00.000Z' };
};

/** Just enough of the store for the log: a set of written ids, and hooks into the timing. */
function fakeStore() {
  const table = new Set<string>();
  let probe: string[] = [];
  const hooks = { beforeLookupAnswers: async () => {}, eventsInsert: async () => {} };
  const store = {
    async query(sql: string) {
      if (sql.includes('count()')) return [{ n: 0, last: 0 }];
      await hooks.beforeLookupAnswers();
      const asked = sql.includes('dedup_probe') ? probe : [...sql.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
      return asked.filter((id) => table.has(id)).map((event_id) => ({ event_id }));
    },
    async *queryChunks() {},
    async command() {},
    async insertTsv(t: string, _columns: string[], tsv: Buffer | Buffer[]) {
      const text = Buffer.concat(Array.isArray(tsv) ? tsv : [tsv]).toString();
      const rows = text.split('\n').filter(Boolean);
      if (t === 'dedup_probe') probe = rows;
      else {
        await hooks.eventsInsert();
        for (const row of rows) table.add(row.split('\t')[1]!);
      }
    },
  };
  return { store: store as unknown as ChdbStore, table, hooks };
}

describe('EventLog deduplication', () => {
  it('recognises an id whose write completes while the batch is being checked against the table', async () => {
    const { store, hooks } = fakeStore();
    const log = new EventLog(store);
    await log.open();
    // e0 is written; e1 is accepted and its write is held open.
    await log.accept([{ event: event(0), position: 0 }], 'src');
    await log.write(log.take()!);
    await log.accept([{ event: event(1), position: 1 }], 'src');
    let release!: () => void;
    hooks.eventsInsert = () => new Promise<void>((r) => (release = r));
    const writing = log.write(log.take()!);
    // The next batch repeats both. Checking e0 needs the table; e1's write finishes meanwhile.
    hooks.beforeLookupAnswers = async () => {
      release();
      await writing;
    };
    const { fresh, duplicates } = await log.accept([{ event: event(1), position: 2 }, { event: event(0), position: 3 }], 'src');
    expect(fresh).toEqual([]);
    expect(duplicates).toBe(2);
  });

  it('gives offsets in order, once per id, also for repeats within one batch', async () => {
    const { store } = fakeStore();
    const log = new EventLog(store);
    await log.open();
    const { fresh, duplicates } = await log.accept([0, 1, 0, 2, 1].map((n, i) => ({ event: event(n), position: i })), 'src');
    expect(fresh.map((f) => [f.offset, f.event.event_id])).toEqual([
      [1, event(0).event_id],
      [2, event(1).event_id],
      [3, event(2).event_id],
    ]);
    expect(duplicates).toBe(2);
  });

  it('matches ids with characters the log escapes (tab, backslash, newline) exactly', async () => {
    const { store } = fakeStore();
    const log = new EventLog(store);
    await log.open();
    const odd = ['a\tb', 'a\\tb', 'c\nd', 'e\\', 'plain'];
    const { fresh, duplicates } = await log.accept([...odd, ...odd].map((n, i) => ({ event: event(n), position: i })), 'src');
    expect(fresh.map((f) => f.event.event_id)).toEqual(odd.map((n) => event(n).event_id));
    expect(duplicates).toBe(odd.length);
  });
});

describe('EventLog rows', () => {
  /** The payload column of each staged row, unescaped as ClickHouse reads TabSeparated. */
  const payloads = (log: EventLog) =>
    Buffer.concat(log.take()!.tsv)
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((row) => row.split('\t')[8]!.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c));

  it('keep JSON text as received (plain or escaped), and serialize events that came without (CSV, generator)', async () => {
    const log = new EventLog(fakeStore().store);
    await log.open();
    const plain = JSON.stringify(event(1));
    const tabbed = JSON.stringify(event('x\\y')).replace(',', ',\t');
    await log.accept(
      [
        { event: event(1), position: 0, json: plain, plain: true },
        { event: event('x\\y'), position: 1, json: tabbed },
        { event: event(3), position: 2 },
      ],
      'src',
    );
    const stored = payloads(log);
    expect(stored[0]).toBe(plain);
    expect(stored[1]).toBe(tabbed);
    expect(JSON.parse(stored[2]!)).toEqual(event(3));
  });
});
