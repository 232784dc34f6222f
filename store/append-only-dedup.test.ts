import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, withStore } from '../testing/harness.js';

it('an insert into an append-only log sent again (a retry after a broken connection) keeps one copy; other inserts all stay', async () => {
  await withStore(join(tempDir('append-only-dedup'), 'data'), async (store) => {
    const event = (seq: number) => ({ alert_id: 'a1', kind: 'negative_stock', seq, at: '2025-03-01T00:00:00.000Z', actor: 'ledgerline', action: 'opened', from_status: '', to_status: 'open', details: '{}' });
    const rows = [event(1), event(2)];
    await store.insert('alert_events', rows);
    await store.insert('alert_events', rows); // the retry: the same block
    await store.insert('alert_events', [event(3)]);
    const [{ n }] = (await store.query<{ n: number }>('SELECT count() AS n FROM alert_events')) as [{ n: number }];
    expect(n).toBe(3);
  });
});
