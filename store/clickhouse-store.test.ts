import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createChdbConnection } from 'chdb/connection';
import { describe, expect, it } from 'vitest';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { KPIS } from '../kpis/catalogue.js';
import { kpiSettings } from '../kpis/kpi.js';
import { runCli, runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';
import { ClickHouseStore, ClickHouseStoreError, type ClickHouseStoreOptions } from './clickhouse-store.js';
import { queryKpi } from './kpi-query.js';
import { queryLedger } from './ledger-query.js';
import { migrate, pendingMigrations } from './migrate.js';

/**
 * The transport against a real ClickHouse server. CI starts one (`scripts/clickhouse-local.sh`,
 * Debian's 18.16: too old for the schema, so only the transport is checked there) and sets
 * TEST_CLICKHOUSE_URL; without it the suite is skipped, unless CI asks for servers.
 */
const SERVER = process.env.TEST_CLICKHOUSE_URL;
const USER = process.env.TEST_CLICKHOUSE_USER ?? 'ledgerline';
const PASSWORD = process.env.TEST_CLICKHOUSE_PASSWORD ?? 'ledgerline-test';
if (!SERVER && process.env.TEST_REQUIRE_SERVERS) throw new Error('TEST_REQUIRE_SERVERS is set but TEST_CLICKHOUSE_URL is not');
if (!SERVER) {
  console.warn('store/clickhouse-store.test.ts: the server transport suite is skipped; run `scripts/clickhouse-local.sh start`, then TEST_CLICKHOUSE_URL=http://127.0.0.1:18123 npm test');
}

const options = (over: Partial<ClickHouseStoreOptions> = {}): ClickHouseStoreOptions => ({
  url: SERVER ?? '',
  username: USER,
  password: PASSWORD,
  database: 'default',
  retryMs: 2_000,
  ...over,
});

/**
 * The client over chDB at `path`. chdb types it against its own copy of `@clickhouse/client-common`,
 * whose settings type differs in detail from the one bundled in `@clickhouse/client`: same shape at
 * run time (chdb's own parity suite runs the client over it).
 */
const onChdb = (path: string) => createChdbConnection({ path }) as unknown as ClickHouseStoreOptions['connection'];

/** Forwards HTTP to `target`; nothing listens on its port until `listen`. */
function proxyTo(target: string): { server: Server; port: Promise<number> } {
  const server = createServer((req, res) => {
    const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // A free port, closed again: the client is pointed at it while nothing listens there yet.
  const port = new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  return { server, port };
}

describe.skipIf(!SERVER)('ClickHouse server transport', () => {
  it('connects, writes TSV and JSON rows and reads them back, and names the server in errors', async () => {
    const store = await ClickHouseStore.connect(options());
    try {
      expect(store.serverVersion[0]).toBeGreaterThan(0);
      await store.command('DROP TABLE IF EXISTS ledgerline_transport');
      await store.command('CREATE TABLE ledgerline_transport (id UInt32, text String) ENGINE = MergeTree ORDER BY id');
      await store.insertTsv('ledgerline_transport', ['id', 'text'], [Buffer.from('1\ttab\\there\n'), Buffer.from('2\tnew\\nline, back\\\\slash\n')]);
      await store.insert('ledgerline_transport', [{ id: 3, text: 'ünïcödé "quoted"' }]);
      expect(await store.query('SELECT id, text FROM ledgerline_transport ORDER BY id')).toEqual([
        { id: 1, text: 'tab\there' },
        { id: 2, text: 'new\nline, back\\slash' },
        { id: 3, text: 'ünïcödé "quoted"' },
      ]);
      const chunks: unknown[] = [];
      for await (const rows of store.queryChunks('SELECT id FROM ledgerline_transport ORDER BY id')) chunks.push(...rows);
      expect(chunks).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      await expect(store.query('SELEC 1')).rejects.toThrow(/query failed on ClickHouse at http:\/\/127\.0\.0\.1:\d+ \(user ledgerline.*Syntax error/s);
      await store.command('DROP TABLE ledgerline_transport');
      // The schema needs a current server: an old one is refused with the versions named.
      if (store.serverVersion[0] < 23) expect(() => store.requireSchemaSupport()).toThrow(/needs 23\.2 or newer/);
    } finally {
      await store.close();
    }
  });

  it('is what the read commands use with LEDGERLINE_STORE=clickhouse, and the embedded job refuses it', async () => {
    const env = { LEDGERLINE_STORE: 'clickhouse', LEDGERLINE_CLICKHOUSE_URL: SERVER!, LEDGERLINE_CLICKHOUSE_USER: USER, LEDGERLINE_CLICKHOUSE_PASSWORD: PASSWORD };
    const kpi = await runCli(['kpi', 'otif_line'], env);
    const store = await ClickHouseStore.connect(options());
    const old = store.serverVersion[0] < 23;
    await store.close();
    // An old server is named with the version it runs and the one needed; a current one answers.
    if (old) expect([kpi.code, kpi.stderr]).toEqual([1, expect.stringMatching(/^ledgerline: ClickHouse at http.* runs ClickHouse \d+\.\d+; Ledgerline's schema needs 23\.2 or newer/)]);
    else expect(kpi.code).toBe(0);
    const run = await runCli(['run', '--once', '--input', 'generator:seed=1,days=2,skus=2,warehouses=1'], env);
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('ledgerline run is the embedded all-in-one mode')]);
  }, 60_000);

  it('says to check the user and password when the server refuses them', async () => {
    await expect(ClickHouseStore.connect(options({ password: 'wrong' }))).rejects.toThrow(/check LEDGERLINE_CLICKHOUSE_USER and LEDGERLINE_CLICKHOUSE_PASSWORD/);
  });

  it('waits while the server is unreachable, and gives up with a clear error after the retry window', async () => {
    const { server, port } = proxyTo(SERVER!);
    const url = `http://127.0.0.1:${await port}`;
    const started = Date.now();
    await expect(ClickHouseStore.connect(options({ url, retryMs: 1_000 }))).rejects.toThrow(/still failing after 1 s of retries.*LEDGERLINE_CLICKHOUSE_URL/);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Back within the window: the statement goes through.
    const connecting = ClickHouseStore.connect(options({ url, retryMs: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 700));
    server.listen(await port, '127.0.0.1');
    await once(server, 'listening');
    const store = await connecting;
    try {
      expect(await store.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await store.close();
      server.close();
    }
  }, 30_000);
});

describe('ClickHouse store through @clickhouse/client on chDB', () => {
  it('runs the migrations and gives the same ledger and KPIs as the embedded store', async () => {
    const dir = tempDir('clickhouse-client');
    await writeDataset({ seed: 1, days: 45, skus: 12, warehouses: 2, out: dir });
    const dataDir = join(dir, 'data');
    const settings = kpiSettings(testConfig());
    const ask = async (store: ChdbOrClient) => {
      const kpis: Record<string, unknown> = {};
      for (const kpi of KPIS.values()) {
        const by = Object.keys(kpi.dimensions).at(-1);
        kpis[kpi.name] = await queryKpi(store, { name: kpi.name, grain: 'week', by, from: '2025-01-15T00:00:00Z' }, settings);
      }
      return { ledger: await queryLedger(store), asOf: await queryLedger(store, { asOf: '2025-02-01T00:00:00Z' }), kpis };
    };
    const embedded = await withStore(dataDir, async (store) => {
      await runInputs(store, testConfig(), [join(dir, 'events.jsonl')]);
      return ask(store);
    });
    expect(embedded.ledger.length).toBeGreaterThan(10);

    const store = await ClickHouseStore.connect(options({ url: 'http://chdb.invalid', connection: onChdb(dataDir) }));
    try {
      store.requireSchemaSupport();
      expect(await migrate(store)).toEqual([]); // up to date already
      expect(await ask(store)).toEqual(embedded);
    } finally {
      await store.close();
    }

    // A fresh database gets the whole schema through the client.
    const fresh = await ClickHouseStore.connect(options({ url: 'http://chdb.invalid', connection: onChdb(join(dir, 'fresh')) }));
    try {
      const pending = await pendingMigrations(fresh);
      expect(pending.length).toBeGreaterThan(3);
      expect(await migrate(fresh)).toEqual(pending);
      expect(await pendingMigrations(fresh)).toEqual([]);
      expect(await fresh.query('SELECT count() AS n FROM sales_line_outcomes')).toEqual([{ n: 0 }]);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('refuses nothing it cannot explain: a bad statement names the store', async () => {
    const store = await ClickHouseStore.connect(options({ url: 'http://chdb.invalid', connection: onChdb(tempDir('clickhouse-client-errors')) }));
    try {
      await expect(store.query('SELECT * FROM no_such_table')).rejects.toThrow(ClickHouseStoreError);
      await expect(store.query('SELECT * FROM no_such_table')).rejects.toThrow(/query failed on ClickHouse at http:\/\/chdb\.invalid.*no_such_table/s);
    } finally {
      await store.close();
    }
  });
});

type ChdbOrClient = Parameters<typeof queryKpi>[0];
