import { describe, expect, it } from 'vitest';
import type { BusRecord } from './bus.js';
import { EmbeddedBus } from './embedded-bus.js';

describe('EmbeddedBus', () => {
  it('delivers every record once, in publish order per key', async () => {
    const bus = new EmbeddedBus<number>(4, 100, 7);
    const seen = new Map<string, number[]>();
    const consumer = bus.consume(async (batch) => {
      expect(new Set(batch.map((r) => r.partition)).size).toBe(1);
      for (const r of batch) seen.set(r.key, [...(seen.get(r.key) ?? []), r.value]);
    });
    let offset = 0;
    for (let round = 0; round < 50; round++) {
      await bus.publish(['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, partition: 0, offset: ++offset, value: round })));
    }
    bus.end();
    await consumer.done;
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect(seen.get(key)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('makes publishers wait while it holds `capacity` records (backpressure)', async () => {
    const bus = new EmbeddedBus<number>(2, 10, 5);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let maxBuffered = 0;
    const handled: BusRecord<number>[] = [];
    const consumer = bus.consume(async (batch) => {
      handled.push(...batch);
      await gate;
    });
    const publishing = (async () => {
      for (let i = 0; i < 100; i++) {
        await bus.publish([{ key: `k${i % 3}`, partition: 0, offset: i, value: i }]);
        maxBuffered = Math.max(maxBuffered, bus.size);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    expect(bus.size).toBeLessThanOrEqual(10);
    expect(handled.length).toBeLessThan(100);
    release();
    await publishing;
    bus.end();
    await consumer.done;
    expect(handled).toHaveLength(100);
    expect(maxBuffered).toBeLessThanOrEqual(10);
  });

  it('surfaces a failing handler, and releases publishers waiting for room', async () => {
    const bus = new EmbeddedBus<number>(1, 2);
    const consumer = bus.consume(async () => {
      throw new Error('boom');
    });
    consumer.done.catch(() => {});
    const publishing = bus.publish(Array.from({ length: 10 }, (_, i) => ({ key: 'a', partition: 0, offset: i, value: i })));
    await expect(publishing).rejects.toThrow('bus consumer failed');
    await expect(consumer.done).rejects.toThrow('boom');
    // A later publish into the full bus fails at once instead of waiting forever.
    await expect(bus.publish(Array.from({ length: 5 }, (_, i) => ({ key: 'b', partition: 0, offset: i, value: i })))).rejects.toThrow('bus consumer failed');
  });
});
