import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChdbStore } from '../store/chdb-store.js';
import { openStore } from '../cli/open-store.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { startDashboardsReader, type DashboardsReader } from './dashboards-sql.js';

describe('the dashboards reader', () => {
  const dir = tempDir('dashboards-reader');
  let store: ChdbStore;
  let reader: DashboardsReader;
  const post = (body: string, token = reader.token) =>
    fetch(`${reader.url}/?query_id=1`, { method: 'POST', body, headers: { Authorization: `Bearer ${token}` } });
  beforeAll(async () => {
    store = await openStore(testConfig(), join(dir, 'data'));
    reader = await startDashboardsReader(store, { maxRows: 1000 });
  });
  afterAll(async () => {
    await reader?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as ClickHouse does: names, types, then rows', async () => {
    const res = await post("SELECT toUInt64(2) AS n, toDate('2025-01-02') AS d, 'x' AS s, true AS b\nFORMAT JSONCompactEachRowWithNamesAndTypes");
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split('\n').map((l) => JSON.parse(l))).toEqual([['n', 'd', 's', 'b'], ['UInt64', 'Date', 'String', 'Bool'], [2, '2025-01-02', 'x', true]]);
    expect(await (await fetch(`${reader.url}/ping`)).text()).toBe('Ok.\n');
  });

  it('refuses a wrong token, writes, DDL, file(), other formats, readonly games and oversized results', async () => {
    const f = '\nFORMAT JSONCompactEachRowWithNamesAndTypes';
    expect((await post(`SELECT 1${f}`, 'wrong')).status).toBe(401);
    for (const sql of ['INSERT INTO dead_letters SELECT * FROM dead_letters', 'DROP TABLE dead_letters', "SELECT * FROM file('/etc/hostname', 'LineAsString')", 'SELECT 1) SETTINGS readonly = 0 --', 'SELECT number FROM numbers(5000)']) {
      const res = await post(`${sql}${f}`);
      expect(res.status, sql).toBeGreaterThanOrEqual(400);
      expect(await res.text(), sql).toMatch(/^ledgerline dashboards reader: /);
    }
    expect((await post('SELECT 1 FORMAT JSONEachRow')).status).toBe(400);
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM system.tables WHERE database = currentDatabase()');
    expect(row!.n).toBeGreaterThan(10);
  });
});
