import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, withStore } from '../testing/harness.js';
import { Checkpoints } from './checkpoints.js';

it('the latest write of a name wins, also from a process that started before the one that wrote it last', async () => {
  await withStore(join(tempDir('checkpoints'), 'data'), async (store) => {
    // Two Kafka members: the first started earlier; the partition moves from the second to it.
    const earlier = new Checkpoints(store);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = new Checkpoints(store);
    await later.set(new Map([['stream/event_time/3', '2025-03-01T00:00:00.000Z']]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await earlier.set(new Map([['stream/event_time/3', '2025-03-02T00:00:00.000Z']]));
    expect(await later.get('stream/event_time/3')).toBe('2025-03-02T00:00:00.000Z');
    // Within a process, writes in one millisecond keep their order.
    for (let i = 0; i < 50; i++) await earlier.set(new Map([['n', String(i)]]));
    expect(await later.get('n')).toBe('49');
  });
});
