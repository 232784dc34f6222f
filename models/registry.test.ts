import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../cli/open-store.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { ModelRegistry, RegistryError } from './registry.js';

let store: ChdbStore;
beforeAll(async () => {
  store = await openStore(testConfig(), tempDir('registry'));
});
afterAll(async () => {
  await store?.close();
});

const candidate = (note: string) => ({ kind: 'demand-forecast', spec: { kind: 'auto', horizon: 28, level: 0.8 }, train_from: '2025-01-01', train_to: '2025-03-31', series: 3, metrics: { mase: 0.9 }, note });

describe('model registry', () => {
  it('numbers versions, promotes one at a time and rolls back along the promotion history', async () => {
    const registry = new ModelRegistry(store);
    const v1 = await registry.register(candidate('a'), 'tester');
    const v2 = await registry.register(candidate('b'), 'tester');
    const v3 = await registry.register(candidate('c'), 'tester');
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    expect(await registry.promoted('demand-forecast')).toBeUndefined();

    await registry.promote('demand-forecast', 1, 'tester');
    await registry.promote('demand-forecast', 3, 'tester');
    await registry.promote('demand-forecast', 2, 'tester');
    const statuses = async () => Object.fromEntries((await registry.list('demand-forecast')).map((v) => [v.version, v.status]));
    expect(await statuses()).toEqual({ 1: 'retired', 2: 'promoted', 3: 'retired' });

    expect((await registry.rollback('demand-forecast', 'tester')).promoted.version).toBe(3);
    expect((await registry.rollback('demand-forecast', 'tester')).promoted.version).toBe(1);
    expect(await statuses()).toEqual({ 1: 'promoted', 2: 'retired', 3: 'retired' });
    await expect(registry.rollback('demand-forecast', 'tester')).rejects.toThrow(/first promoted/);

    const v = await registry.get('demand-forecast', 2);
    expect(v.spec).toEqual({ kind: 'auto', horizon: 28, level: 0.8 });
    expect(v.metrics).toEqual({ mase: 0.9 });
    expect(v.train_to).toBe('2025-03-31');
    const events = await store.query<{ action: string; version: number }>("SELECT action, version FROM model_events WHERE kind = 'demand-forecast' ORDER BY seq");
    expect(events.map((e) => `${e.action}:${e.version}`)).toEqual(['register:1', 'register:2', 'register:3', 'promote:1', 'promote:3', 'promote:2', 'rollback:3', 'rollback:1']);
  });

  it('refuses what cannot be done, saying why', async () => {
    const registry = new ModelRegistry(store);
    await expect(registry.promote('demand-forecast', 99, 'tester')).rejects.toThrow(RegistryError);
    await expect(registry.promote('demand-forecast', 1, 'tester')).rejects.toThrow(/already promoted/);
    await expect(registry.rollback('other-kind', 'tester')).rejects.toThrow(/nothing to roll back/);
  });
});
