import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTopics, DebeziumScenario, publish, type DebeziumMessage, type Encoding } from '../../fixtures/debezium/debezium-scenario.js';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { inventoryAccuracyTruth, supplierOtifTruth, threeWayMatchTruth, type KpiTruth } from '../../fixtures/odoo/odoo-kpi-truth.js';
import { OdooProcurement } from '../../fixtures/odoo/odoo-procurement.js';
import { COMPANY_CODES, odooDate, OdooScenario, QUARANTINE } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { EmbeddedPipeline } from '../../runtime/embedded-pipeline.js';
import { jobProcessors } from '../../runtime/job-processors.js';
import type { ChdbStore } from '../../store/chdb-store.js';
import { kpiSettings } from '../../kpis/kpi.js';
import { Checkpoints, streamTime } from '../../store/checkpoints.js';
import { queryKpi } from '../../store/kpi-query.js';
import { testBrokers, uniqueName } from '../../testing/distributed.js';
import { tempDir, testConfig, withStore } from '../../testing/harness.js';
import { EventLogRecords } from '../odoo/odoo-reconcile.js';
import type { Source, SourceBatch } from '../source.js';
import { DebeziumConfigError, parseDebeziumConfig } from './debezium-config.js';
import { DebeziumLoop, sourceCheckpoint } from './debezium-loop.js';
import { TABLES } from './debezium-rows.js';
import { DebeziumSource } from './debezium-source.js';

const BROKERS = testBrokers('ingest/debezium/debezium-source.test.ts');

const sources: DebeziumSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

function cdcSource(store: ChdbStore, prefix: string, group: string, version: number, batchRecords = 40): DebeziumSource {
  const config = parseDebeziumConfig(
    { brokers: BROKERS, topic_prefix: prefix, group_id: group, odoo_version: version, source: 'odoo-cdc-test', companies: COMPANY_CODES, quarantine_locations: QUARANTINE, drain_timeout_seconds: 30 },
    'test',
  );
  const source = new DebeziumSource({ config, logged: new EventLogRecords(store), batchRecords });
  sources.push(source);
  return source;
}

const loopOf = (store: ChdbStore, source: DebeziumSource) => new DebeziumLoop(store, testConfig({ LEDGERLINE_BATCH_EVENTS: 100 }), source, { pauseMs: 0, log: () => {} });

async function startScenario(seed: number, version: 17 | 18 | 19, encoding: Encoding, operations: number) {
  const scenario = new OdooScenario(seed, 12);
  scenario.operate(operations);
  const dbz = new DebeziumScenario(scenario, version, encoding, uniqueName('odoo'));
  await createTopics(BROKERS!, dbz, TABLES);
  await publish(BROKERS!, dbz, dbz.snapshot());
  return { scenario, dbz };
}

async function deadLetters(store: ChdbStore): Promise<string[]> {
  return (await store.query<{ reason: string }>("SELECT reason FROM dead_letters FINAL WHERE startsWith(source_id, 'debezium:') ORDER BY reason")).map((r) => r.reason);
}

const KPIS = ['supplier_otif', 'supplier_otif_line', 'three_way_match_exceptions', 'inventory_accuracy'] as const;

/** What the procurement comparison reads from a store: the KPIs by company and day, the ledger, the sales lines' dates, the stream day. */
async function procurementView(store: ChdbStore) {
  const settings = kpiSettings(testConfig());
  const kpis: Record<string, KpiTruth> = {};
  for (const name of KPIS) kpis[name] = new Map((await queryKpi(store, { name, by: 'company' }, settings)).map((r) => [`${r.period}|${r.dimension}`, [r.numerator, r.denominator] as [number, number]]));
  const lines = await store.query<{ rid: string; latest: string }>(
    "SELECT JSONExtractString(payload, 'record_id') AS rid, argMax(payload, JSONExtractUInt(payload, 'version')) AS latest FROM events WHERE type = 'sales_order_line' GROUP BY rid",
  );
  const saleDates = new Map(
    lines.map((e) => {
      const { requested_date, committed_date } = JSON.parse(e.latest) as { requested_date: string | null; committed_date: string | null };
      return [e.rid, { requested: requested_date, committed: committed_date }];
    }),
  );
  return { kpis, ledger: await ledgerOf(store), saleDates, streamDay: (await streamTime(new Checkpoints(store)))?.slice(0, 10) };
}

describe('Debezium config', () => {
  it('refuses order lines followed without the tables they are mapped with', () => {
    const base = { brokers: ['127.0.0.1:9092'], topic_prefix: 'odoo', odoo_version: 18 };
    const core = TABLES.filter((t) => !['stock_picking_type', 'sale_order', 'purchase_order', 'purchase_order_line', 'stock_quant', 'account_move', 'account_move_line'].includes(t));
    expect(() => parseDebeziumConfig({ ...base, tables: core }, 'test')).not.toThrow();
    expect(() => parseDebeziumConfig({ ...base, tables: [...core, 'stock_quant', 'sale_order'] }, 'test')).not.toThrow();
    expect(() => parseDebeziumConfig({ ...base, tables: [...core, 'purchase_order_line', 'purchase_order'] }, 'test')).toThrow(/purchase_order_line needs stock_picking_type/);
    expect(() => parseDebeziumConfig({ ...base, tables: [...core, 'account_move_line', 'purchase_order_line', 'purchase_order', 'stock_picking_type'] }, 'test')).toThrow(DebeziumConfigError);
  });
});

describe.skipIf(!BROKERS)('Debezium CDC on a real broker', () => {
  it.each([
    [18, { schemas: true, decimal: 'string', time: 'micros' }],
    [17, { schemas: false, decimal: 'double', time: 'millis' }],
    [19, { schemas: true, decimal: 'double', time: 'iso' }],
  ] as const)('Odoo %i %j: purchases, bills, counts and sales orders give the KPIs, ledger and sales dates of the poller', async (version, encoding) => {
    const scenario = new OdooScenario(version, 10);
    const business = new OdooProcurement(scenario, version);
    scenario.operate(40);
    const dbz = new DebeziumScenario(scenario, version, encoding, uniqueName('odoo'), { stock_move: 3, purchase_order_line: 2, stock_quant: 2 }, business);
    await createTopics(BROKERS!, dbz, TABLES);
    await publish(BROKERS!, dbz, dbz.snapshot());
    // One Odoo double per stage (chDB opens one data directory per process: the poller runs after the CDC path, over the recorded stages).
    const stages: OdooDouble[] = [];
    const dir = tempDir(`debezium-procurement-${version}`);
    try {
      const cdc = await withStore(join(dir, 'cdc'), async (store) => {
        const group = uniqueName('ledgerline');
        let source = cdcSource(store, dbz.prefix, group, version);
        let loop = loopOf(store, source);
        expect((await loop.drainOnce()).dead_lettered).toBe(0);
        const stage = async () => {
          const double = new OdooDouble({ version });
          stages.push(double);
          await double.start();
          scenario.publish(double);
          business.publish(double);
          await publish(BROKERS!, dbz, dbz.procurementChanges());
          expect((await loop.drainOnce()).dead_lettered).toBe(0);
        };
        // Drains between rounds of business: counts entered and applied between two drains are seen pending.
        for (let round = 0; round < 5; round++) {
          dbz.procure(45);
          await stage();
        }
        // A restart: the lines seen before it are read again, so a header change after it maps them again.
        await source.close();
        source = cdcSource(store, dbz.prefix, group, version);
        loop = loopOf(store, source);
        const order = [...business.saleOrders.values()].find((o) => o.state === 'sale')!;
        Object.assign(order, { commitment_date: odooDate(scenario.clock + 4 * 86_400_000), write_date: scenario.tick(60) });
        // A count seen pending, applied and counted again between two drains: CDC sees only the new
        // count on the quant (Odoo computes last_count_date, no column says it is another count).
        const recounted = [...business.quants.values()].find((q) => q.set)!;
        expect(recounted).toBeDefined();
        dbz.applyCount(recounted);
        Object.assign(recounted, { counted: business.onHand(recounted.product, recounted.location) + 1, set: true, user: [7, 'Anna'], write_date: scenario.tick(600) });
        scenario.operate(10);
        await stage();
        expect([...business.seenCounts.keys()].filter((id) => id.startsWith(`stock.quant:${recounted.id}:`)).length).toBeGreaterThan(1);
        expect(await deadLetters(store)).toEqual([]);
        return procurementView(store);
      });
      const poller = await withStore(join(dir, 'poller'), async (store) => {
        for (const double of stages) expect((await poll(store, testSource(store, doubleConfig(double)))).dead_lettered).toBe(0);
        return procurementView(store);
      });

      const settings = kpiSettings(testConfig());
      const streamDay = new Date(scenario.clock).toISOString().slice(0, 10);
      const otif = supplierOtifTruth(business, streamDay);
      const truth: Record<string, KpiTruth> = {
        supplier_otif: otif.quantity,
        supplier_otif_line: otif.lines,
        three_way_match_exceptions: threeWayMatchTruth(business, settings.billPriceTolerancePercent),
        inventory_accuracy: inventoryAccuracyTruth(business, settings.countToleranceUnits, settings.countTolerancePercent),
      };
      const sum = (t: KpiTruth) => [...t.values()].reduce(([a, b], [n, d]) => [a + n, b + d], [0, 0]);
      // The fixture exercises both outcomes of every KPI, so equal values are not equal by emptiness.
      for (const name of KPIS) {
        const [num, den] = sum(truth[name]!);
        expect(den, name).toBeGreaterThan(5);
        expect(num, name).toBeLessThan(den);
        if (name !== 'inventory_accuracy') expect(num, name).toBeGreaterThan(0);
      }
      expect(cdc.streamDay).toBe(streamDay);
      expect(poller.streamDay).toBe(streamDay);
      for (const name of KPIS) {
        expect(cdc.kpis[name], `CDC ${name}`).toEqual(truth[name]);
        expect(poller.kpis[name], `poller ${name}`).toEqual(truth[name]);
      }
      const ledger = expectedRows(scenario.expectedLedger());
      expect(ledger.size).toBeGreaterThan(10);
      expect(cdc.ledger).toEqual(ledger);
      expect(poller.ledger).toEqual(ledger);
      const dates = business.expectedSaleDates();
      expect(dates.size).toBeGreaterThan(3);
      expect(cdc.saleDates).toEqual(dates);
      expect(poller.saleDates).toEqual(dates);
      const text = (t: KpiTruth) => sum(t).map((n) => Math.round(n * 1e6) / 1e6).join('/');
      process.stdout.write(
        `debezium ${version}: CDC = poller = worked out: ${KPIS.map((k) => `${k} ${text(truth[k]!)}`).join(', ')}; ledger ${ledger.size} rows; ${dates.size} sales lines' dates\n`,
      );
    } finally {
      await Promise.all(stages.map((d) => d.stop()));
    }
  }, 120_000);


  it.each([
    [18, { schemas: true, decimal: 'string', time: 'micros' }],
    [17, { schemas: false, decimal: 'double', time: 'micros' }],
    [19, { schemas: false, decimal: 'string', time: 'iso' }],
  ] as const)('Odoo %i %j: a snapshot and a change stream give the ledger of the poller on the same data', async (version, encoding) => {
    const { scenario, dbz } = await startScenario(version, version, encoding, 120);
    // The same data as the poller sees it at each stage: one Odoo double per stage (chDB opens one
    // data directory per process, so the poller runs after the CDC path, over the recorded stages).
    const stages = [new OdooDouble({ version }), new OdooDouble({ version }), new OdooDouble({ version })];
    const expected: Array<ReturnType<typeof expectedRows>> = [];
    const cdcLedgers: Array<Awaited<ReturnType<typeof ledgerOf>>> = [];
    const stage = async (store: ChdbStore) => {
      scenario.publish(stages[expected.length]!);
      expected.push(expectedRows(scenario.expectedLedger()));
      cdcLedgers.push(await ledgerOf(store));
    };
    const dir = tempDir(`debezium-vs-poller-${version}`);
    try {
      await Promise.all(stages.map((d) => d.start()));
      await withStore(join(dir, 'cdc'), async (cdc) => {
        const source = cdcSource(cdc, dbz.prefix, uniqueName('ledgerline'), version);
        const loop = loopOf(cdc, source);

        // The snapshot.
        const first = await loop.drainOnce();
        expect(await deadLetters(cdc)).toEqual([]);
        expect(first.dead_lettered).toBe(0);
        await stage(cdc);

        // Changes, among them transactions that write a move twice with one write_date.
        await publish(BROKERS!, dbz, dbz.operate(80));
        const second = await loop.drainOnce();
        expect(second.events_logged).toBeGreaterThan(50);
        await stage(cdc);
        expect(cdcLedgers[1]).toEqual(expected[1]);

        // Odoo deletes an open move: CDC's delete here, the poller's reconciliation below.
        const open = [...scenario.moves.values()].find((m) => m.state === 'assigned' && m.reserved > 0 && (m.from === 4 || m.from === 5))!;
        expect(open).toBeDefined();
        const key = `SKU-${String(open.product).padStart(3, '0')}|${open.from === 4 ? 'WH/Stock' : 'WH/Stock/Shelf 1'}`;
        await publish(BROKERS!, dbz, dbz.deleteMove(open.id));
        const third = await loop.drainOnce();
        expect(third.events_logged).toBe(1);
        await stage(cdc);
        expect(cdcLedgers[2]!.get(key)?.reserved ?? 0).toBeLessThan(cdcLedgers[1]!.get(key)!.reserved);

        // Nothing new: nothing logged; the group's offsets are the saved position.
        const idle = await loop.drainOnce();
        expect(idle.events_logged).toBe(0);
        expect(await deadLetters(cdc)).toEqual([]);
        const saved = JSON.parse((await new Checkpoints(cdc).get(sourceCheckpoint(source)))!) as Record<string, number>;
        expect(Object.fromEntries(await source.committed())).toEqual(saved);
        expect(source.stats.tombstones).toBe(1);
      });
      const pollerLedgers = await withStore(join(dir, 'poller'), async (poller) => {
        const out = [];
        for (const [i, double] of stages.entries()) {
          // Hours apart, so that each poll also reconciles deletions.
          const summary = await poll(poller, testSource(poller, doubleConfig(double, { reconcile_minutes: 60 }), () => Date.parse('2030-01-01T00:00:00Z') + i * 7_200_000));
          expect(summary.dead_lettered).toBe(0);
          out.push(await ledgerOf(poller));
        }
        return out;
      });
      for (const i of [0, 1, 2]) {
        expect(expected[i]!.size).toBeGreaterThan(10);
        expect(cdcLedgers[i]).toEqual(expected[i]);
        expect(pollerLedgers[i]).toEqual(expected[i]);
      }
    } finally {
      await Promise.all(stages.map((d) => d.stop()));
    }
  }, 120_000);

  it('sends bad rows to dead letters with their reasons, and goes on', async () => {
    const { scenario, dbz } = await startScenario(5, 18, { schemas: false, decimal: 'double', time: 'micros' }, 60);
    const done = [...scenario.moves.values()].find((m) => m.state === 'done')!;
    const row = (changes: Record<string, unknown>, id: number) => ({ ...dbz.moveRow({ ...done, id: 9000 + id, state: 'done' }), ...changes });
    const message = (after: Record<string, unknown>): DebeziumMessage => {
      dbz.lsn += 56;
      return dbz.message('stock_move', 'c', null, after, false);
    };
    const raw = (value: string): DebeziumMessage => ({ table: 'stock_move', partition: 0, key: '{"id":1}', value });
    dbz.lsn += 56;
    const archived = dbz.message('product_product', 'u', null, { id: 12, product_tmpl_id: 112, default_code: 'SKU-012', active: false, standard_price: '{"1": 2.5}', write_date: 1_741_000_000_000_000 }, false);
    const bad: DebeziumMessage[] = [
      raw('not json {'),
      raw(JSON.stringify({ id: 77, state: 'done', quantity: 3 })), // flattened by ExtractNewRecordState
      raw(JSON.stringify({ before: null, after: { id: 78 }, source: { table: 'stock_move' }, op: 'c' })), // no LSN
      raw(JSON.stringify({ before: null, after: null, source: { table: 'stock_move', lsn: 5 }, op: 't' })),
      message(row({ quantity: { scale: 2, value: 'AfQ=' } }, 1)), // decimal.handling.mode=precise
      message(row({ product_id: 999 }, 2)),
      message(row({ quantity: -5 }, 3)),
      message(row({ company_id: 3 }, 4)),
      message(row({ product_uom: 99 }, 5)),
      message(row({ product_id: 12, state: 'assigned', location_id: 4, location_dest_id: 2, quantity: 2 }, 6)),
      // A done move deleted in the database: the ledger keeps it.
      ...(() => {
        dbz.lsn += 56;
        const d = dbz.message('stock_move', 'd', { id: done.id }, null, false);
        return [d, { ...d, value: null }];
      })(),
    ];
    await withStore(join(tempDir('debezium-bad'), 'data'), async (store) => {
      const source = cdcSource(store, dbz.prefix, uniqueName('ledgerline'), 18);
      const loop = loopOf(store, source);
      expect((await loop.drainOnce()).dead_lettered).toBe(0);
      // Archived in a drain of its own (topics are read in parallel: order across tables is not kept within a drain).
      await publish(BROKERS!, dbz, [archived]);
      // A product shared by all companies: one event per followed company.
      expect((await loop.drainOnce()).events_logged).toBe(2);
      await publish(BROKERS!, dbz, bad);
      const run = await loop.drainOnce();
      const reasons = await deadLetters(store);
      const count = (fragment: string) => reasons.filter((r) => r.includes(fragment)).length;
      expect({
        notJson: count('not JSON'),
        flattened: count('ExtractNewRecordState'),
        noLsn: count('not a WAL position'),
        truncate: count('TRUNCATE'),
        precise: count('decimal.handling.mode=precise'),
        missingRelation: count('missing relation: product_id 999'),
        negative: count('negative quantity'),
        companyMismatch: count('company mismatch'),
        unknownUnit: count('unknown unit of measure'),
        archived: count('is archived'),
        doneMoveGone: count('a done move is gone'),
      }).toEqual({ notJson: 1, flattened: 1, noLsn: 1, truncate: 1, precise: 1, missingRelation: 1, negative: 1, companyMismatch: 1, unknownUnit: 1, archived: 1, doneMoveGone: 1 });
      expect(run.dead_lettered).toBe(11);
      // The valid data is untouched.
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
    });
  }, 120_000);

  it('killed at any batch and restarted while Odoo keeps changing: no gap, no duplicate, offsets never ahead of the log', async () => {
    const { scenario, dbz } = await startScenario(11, 18, { schemas: true, decimal: 'double', time: 'millis' }, 150);
    const group = uniqueName('ledgerline');
    await withStore(join(tempDir('debezium-restart'), 'data'), async (store) => {
      const checkpoints = new Checkpoints(store);
      const pipeline = () => new EmbeddedPipeline(store, testConfig({ LEDGERLINE_BATCH_EVENTS: 100 }), jobProcessors);
      let crashes = 0;
      for (const crashAfter of [0, 3, 1, 6, 2]) {
        const inner = cdcSource(store, dbz.prefix, group, 18, 10);
        const crashing: Source = {
          id: inner.id,
          name: inner.name,
          async *batches(resumeFrom?: string) {
            // Crashes before handing over batch `crashAfter`, or before the last one of a shorter drain.
            let n = 0;
            let held: SourceBatch | undefined;
            for await (const batch of inner.batches(resumeFrom)) {
              if (held) yield held;
              if (n++ === crashAfter) throw new Error('simulated crash');
              held = batch;
            }
            throw new Error('simulated crash');
          },
        };
        await expect(pipeline().run([crashing])).rejects.toThrow('simulated crash');
        crashes++;
        await inner.close();
        // The group's offsets never pass what the log holds.
        const saved = JSON.parse((await checkpoints.get(`source/${inner.id}`)) ?? '{}') as Record<string, number>;
        for (const [tp, offset] of await inner.committed()) expect(offset).toBeLessThanOrEqual(saved[tp] ?? 0);
        await publish(BROKERS!, dbz, dbz.operate(40));
      }
      const last = cdcSource(store, dbz.prefix, group, 18);
      const final = await loopOf(store, last).drainOnce();
      expect(final.dead_lettered).toBe(0);
      expect(crashes).toBe(5);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
      const [row] = await store.query<{ n: string; ids: string }>("SELECT toString(count()) AS n, toString(uniqExact(event_id)) AS ids FROM events WHERE source_id = 'debezium:odoo-cdc-test'");
      expect(Number(row!.n)).toBe(Number(row!.ids));
      // No gap: the final version of every done move is in the log (its stock_move event).
      const moves = new Set((await store.query<{ record_id: string }>("SELECT DISTINCT JSONExtractString(payload, 'record_id') AS record_id FROM events WHERE type = 'stock_move'")).map((r) => r.record_id));
      const done = [...scenario.moves.values()].filter((m) => m.state === 'done');
      expect(done.length).toBeGreaterThan(80);
      for (const m of done) expect(moves.has(`stock.move:${m.id}`)).toBe(true);
      const saved = JSON.parse((await checkpoints.get(sourceCheckpoint(last)))!) as Record<string, number>;
      expect(Object.fromEntries(await last.committed())).toEqual(saved);
    });
  }, 120_000);
});
