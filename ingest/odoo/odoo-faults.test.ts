import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { OdooProcurement } from '../../fixtures/odoo/odoo-procurement.js';
import { odooDate, OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { tempDir, withStore } from '../../testing/harness.js';
import { OdooClient } from './odoo-client.js';
import { OdooAuthError, OdooFieldError, OdooModelMissingError } from './odoo-errors.js';
import { EventLogRecords } from './odoo-reconcile.js';
import { OdooSource } from './odoo-source.js';

const doubles: OdooDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

async function world(version: 16 | 17 | 18 | 19, moves = 60) {
  const double = new OdooDouble({ version });
  doubles.push(double);
  await double.start();
  const scenario = new OdooScenario(3, 8);
  scenario.operate(moves);
  scenario.publish(double);
  return { double, scenario };
}

describe('errors Odoo really returns', () => {
  it('a wrong API key: AccessDenied over jsonrpc, 401 over json2, both reported as such and not retried', async () => {
    const { double } = await world(19);
    await withStore(join(tempDir('odoo-auth'), 'data'), async (store) => {
      for (const protocol of ['jsonrpc', 'json2']) {
        const source = testSource(store, doubleConfig(double, { protocol, api_key: 'wrong-key-0000000000' }));
        const failure = await poll(store, source).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(OdooAuthError);
        expect((failure as Error).message).toMatch(/API key/);
        expect(source.client.stats.retries).toBe(0);
      }
    });
    // execute_kw with a key that authenticate would refuse: Odoo's AccessDenied error object.
    const client = new OdooClient({ url: double.url, db: double.db, login: double.login, secret: double.apiKey, protocol: 'jsonrpc', timeoutMs: 5000, ratePerSecond: 0, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 1 });
    await client.searchRead('stock.move', { domain: [], fields: ['state'] });
    (client as unknown as { o: { secret: string } }).o.secret = 'revoked-key';
    const denied = await client.searchRead('stock.move', { domain: [], fields: ['state'] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OdooAuthError);
    expect((denied as OdooAuthError).odooName).toBe('odoo.exceptions.AccessDenied');
  });

  it('an expired session: error code 100, one new login, the poll goes on', async () => {
    const { double, scenario } = await world(17);
    await withStore(join(tempDir('odoo-session'), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double, { protocol: 'session' }));
      await poll(store, source);
      double.expireSessions();
      scenario.operate(20);
      scenario.publish(double);
      await poll(store, source);
      expect(source.client.stats.reauthentications).toBe(1);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
    });
  });

  it('a model not installed: sale.order.line is left out with a note; stock.move stops the poller with what to do', async () => {
    const { double, scenario } = await world(18);
    delete double.shapes.models['sale.order.line'];
    await withStore(join(tempDir('odoo-missing'), 'data'), async (store) => {
      const notes: string[] = [];
      const source = testSource(store, doubleConfig(double));
      (source as unknown as { o: { log: (l: string) => void } }).o.log = (l) => notes.push(l);
      await poll(store, source);
      expect(source.followed).not.toContain('sale.order.line');
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));

      delete double.shapes.models['stock.move'];
      const failure = await poll(store, testSource(store, doubleConfig(double))).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(OdooModelMissingError);
      expect((failure as Error).message).toMatch(/no model stock\.move .*builtins\.KeyError.*not installed/);
    });
  });

  it('a field renamed between versions: a 16 field list against Odoo 17 names the field; the raw ValueError is classified', async () => {
    const { double } = await world(17);
    await withStore(join(tempDir('odoo-renamed'), 'data'), async (store) => {
      const failure = await poll(store, testSource(store, doubleConfig(double, { odoo_version: 16 }))).catch((e: unknown) => e);
      expect((failure as Error).message).toMatch(/stock\.move .*lacks the field\(s\) quantity_done, reserved_availability.*odoo_version/);
    });
    for (const protocol of ['jsonrpc', 'json2'] as const) {
      const d = protocol === 'json2' ? (await world(19)).double : double;
      const client = new OdooClient({ url: d.url, db: d.db, login: d.login, secret: d.apiKey, protocol, timeoutMs: 5000, ratePerSecond: 0, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 1 });
      const e = await client.searchRead('stock.move', { domain: [], fields: ['quantity_done'] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OdooFieldError);
      expect((e as OdooFieldError).field).toBe('quantity_done');
    }
  });

  it('503s from a proxy are retried with backoff; the poll completes', async () => {
    const { double, scenario } = await world(16);
    await withStore(join(tempDir('odoo-503'), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double));
      double.failNext(3);
      await poll(store, source);
      expect(source.client.stats.retries).toBe(3);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
    });
  });
});

describe('bad input', () => {
  it('missing relations, unknown units, archived products, negative quantities, company mismatch: dead letters with reasons, the rest applied', async () => {
    const { double, scenario } = await world(17, 80);
    const expected = expectedRows(scenario.expectedLedger());
    const add = (m: Partial<Parameters<OdooScenario['addMove']>[0]>) =>
      scenario.addMove({ product: 1, qty: 5, uom: 1, from: 1, to: 4, company: 1, state: 'done', reserved: 0, ...m });
    add({ product: 999 }); // a product the API user cannot see, or deleted
    add({ product: 998 });
    add({ to: 99 }); // a location not in stock.location
    add({ uom: 7 }); // a unit not in uom.uom
    add({ uom: 8 });
    // An archived product with open moves still reserving it.
    scenario.products.set(50, { id: 50, code: 'SKU-050', uom: 1, active: false, company: undefined, storable: true, write_date: scenario.tick() });
    add({ product: 50, from: 4, to: 2, state: 'assigned', reserved: 2 });
    add({ product: 50, from: 5, to: 2, state: 'assigned', reserved: 1 });
    add({ rawQty: -5 }); // negative quantity
    add({ rawQty: -1, from: 4, to: 2 });
    add({ company: 2 }); // a company-1 location on a company-2 move
    add({ company: 2, from: 4, to: 2 });
    scenario.publish(double);
    await withStore(join(tempDir('odoo-bad'), 'data'), async (store) => {
      const summary = await poll(store, testSource(store, doubleConfig(double)));
      expect(summary.dead_lettered).toBe(11);
      const rows = await store.query<{ reason: string; raw: string }>("SELECT reason, raw FROM dead_letters FINAL WHERE source_id = 'odoo:odoo-test'");
      const kinds = ['missing relation', 'unknown unit of measure', 'is archived', 'negative quantity', 'company mismatch'];
      const counts = Object.fromEntries(kinds.map((k) => [k, rows.filter((r) => r.reason.includes(k)).length]));
      expect(counts).toEqual({ 'missing relation': 3, 'unknown unit of measure': 2, 'is archived': 2, 'negative quantity': 2, 'company mismatch': 2 });
      process.stdout.write(`odoo bad input dead letters by reason: ${JSON.stringify(counts)}\n`);
      for (const r of rows) {
        expect(r.reason).toMatch(/^stock\.move:\d+: /);
        expect(JSON.parse(r.raw)._model).toBe('stock.move');
      }
      // Everything else is in the ledger as if the bad records were not there.
      expect(await ledgerOf(store)).toEqual(expected);
    });
  });

  it('deletions: a deleted open move releases its reservation (tombstone), a deleted done move is a dead letter', async () => {
    const { double, scenario } = await world(17, 120);
    let now = Date.parse('2030-01-01T00:00:00Z');
    await withStore(join(tempDir('odoo-deleted'), 'data'), async (store) => {
      const config = doubleConfig(double, { reconcile_minutes: 60 });
      const source = testSource(store, config, () => now);
      await poll(store, source);
      const open = [...scenario.moves.values()].find((m) => m.state === 'assigned' && m.reserved > 0)!;
      const done = [...scenario.moves.values()].find((m) => m.state === 'done' && m.from === 1)!;
      scenario.moves.delete(open.id);
      scenario.moves.delete(done.id);
      scenario.publish(double);
      now += 61 * 60_000;
      const summary = await poll(store, source);
      expect(source.stats.tombstones).toBe(1);
      expect(summary.dead_lettered).toBe(1);
      const [dead] = await store.query<{ reason: string }>("SELECT reason FROM dead_letters FINAL WHERE reason LIKE '%gone from Odoo%'");
      expect(dead!.reason).toContain(`stock.move:${done.id}`);
      // The ledger: the reservation is released; the done move stays (Odoo cannot delete one).
      const truth = scenario.expectedLedger();
      const skuOf = (p: number) => String(scenario.products.get(p)!.code);
      const key = `${skuOf(open.product)}|${open.from === 4 ? 'WH/Stock' : 'WH/Stock/Shelf 1'}`;
      const live = await ledgerOf(store);
      expect(live.get(key)?.reserved ?? 0).toBeCloseTo(truth.get(key)?.reserved ?? 0, 6);
      // A second reconciliation adds nothing.
      now += 61 * 60_000;
      const again = await poll(store, source);
      expect(again.events_logged).toBe(0);
    });
  });
});

describe.each([17, 19] as const)('Odoo %i: reference data created while the poller runs', (version) => {
  it('a new warehouse, unit and operation type are read by id when a record refers to them: no dead letter; a unit that does not exist still is one', async () => {
    const { double, scenario } = await world(version, 40);
    const business = new OdooProcurement(scenario, 5);
    business.procure(20);
    business.publish(double);
    await withStore(join(tempDir(`odoo-new-refs-${version}`), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double));
      expect((await poll(store, source)).dead_lettered).toBe(0);

      // In Odoo, meanwhile: a third warehouse with its stock location and receipt type, a unit "Pack of 6".
      scenario.products.set(60, { id: 60, code: 'SKU-060', uom: 3, active: true, company: undefined, storable: true, write_date: scenario.tick(1) });
      const received = scenario.addMove({ product: 60, qty: 2, uom: 3, from: 1, to: 9, company: 1, state: 'done', reserved: 0 });
      const inPacks = scenario.addMove({ product: 1, qty: 3, uom: 3, from: 1, to: 4, company: 1, state: 'done', reserved: 0 });
      const unknownUnit = scenario.addMove({ product: 1, qty: 3, uom: 77, from: 1, to: 4, company: 1, state: 'done', reserved: 0 });
      const order = business.newOrder(1, 11, true, 1, 4);
      const at = scenario.tick(1);
      business.saleOrders.set(900, { id: 900, company: 1, state: 'sale', date_order: at, commitment_date: false, expected_date: at, write_date: at });
      scenario.saleLines.set(9900, {
        id: 9900,
        order_id: [900, 'S00900'],
        product_id: [1, 'Product 1'],
        product_uom_qty: 1,
        uom: [3, 'Pack of 6'],
        price_unit: 30,
        state: 'sale',
        create_date: at,
        order_partner_id: [10, 'Customer One'],
        company_id: [1, 'Acme Corp'],
        warehouse_id: [3, 'Third'],
        write_date: at,
      });
      scenario.publish(double);
      business.publish(double);
      const created = '2025-06-01 00:00:00';
      double.data.get('stock.warehouse')!.push({ id: 3, code: 'W3', name: 'Third', company_id: [1, 'Acme Corp'], active: true, write_date: created });
      double.data.get('uom.uom')!.push(
        version < 19
          ? { id: 3, name: 'Pack of 6', active: true, factor: 1 / 6, write_date: created }
          : { id: 3, name: 'Pack of 6', active: true, relative_factor: 6, relative_uom_id: [1, 'Units'], factor: 6, write_date: created },
      );
      double.data.get('stock.picking.type')!.push({ id: 4, name: 'Receipts', code: 'incoming', warehouse_id: [3, 'Third'], company_id: [1, 'Acme Corp'], active: true, write_date: created });
      double.data.get('stock.location')!.push({ id: 9, name: 'Stock', complete_name: 'W3/Stock', usage: 'internal', warehouse_id: [3, 'Third'], company_id: [1, 'Acme Corp'], active: true, write_date: odooDate(scenario.clock) });

      const summary = await poll(store, source);
      const dead = await store.query<{ reason: string }>("SELECT reason FROM dead_letters FINAL WHERE source_id = 'odoo:odoo-test'");
      expect(dead.map((d) => d.reason)).toEqual([expect.stringMatching(new RegExp(`^stock\\.move:${unknownUnit.id}: unknown unit of measure`))]);
      expect(summary.dead_lettered).toBe(1);
      const latest = async (type: string, recordId: string) => {
        const rows = await store.query<{ payload: string }>(`SELECT payload FROM events WHERE type = '${type}' AND JSONExtractString(payload, 'record_id') = '${recordId}'`);
        expect(rows.length).toBeGreaterThan(0);
        return JSON.parse(rows[rows.length - 1]!.payload) as Record<string, unknown>;
      };
      expect(await latest('location', 'stock.location:9')).toMatchObject({ location: 'W3/Stock', warehouse: 'W3' });
      expect(await latest('stock_move', `stock.move:${received.id}`)).toMatchObject({ sku: 'SKU-060', qty: 2, to_location: 'W3/Stock', to_warehouse: 'W3' });
      expect(await latest('stock_move', `stock.move:${inPacks.id}`)).toMatchObject({ sku: 'SKU-001', qty: 18 });
      const orderLine = [...business.lines.values()].find((l) => l.order === order.id)!;
      expect(await latest('purchase_order_line', `purchase.order.line:${orderLine.id}`)).toMatchObject({ warehouse: 'W3' });
      expect(await latest('sales_order_line', 'sale.order.line:9900')).toMatchObject({ warehouse: 'W3', qty_ordered: 6, unit_price: 5 });
    });
  });
});

describe('the deletion check', () => {
  it('searches the ids page by page: a search of every id at once would outlast the worker time limit', async () => {
    const { double, scenario } = await world(17, 400);
    expect(scenario.moves.size).toBeGreaterThan(300);
    // Odoo kills a worker that answers more than 150 ids; page_size 7 → 140 ids per search.
    double.workerLimit('stock.move', 'search', 150);
    let now = Date.parse('2030-01-01T00:00:00Z');
    await withStore(join(tempDir('odoo-reconcile-pages'), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double, { reconcile_minutes: 60 }), () => now);
      await poll(store, source);
      const open = [...scenario.moves.values()].find((m) => m.state === 'assigned' && m.reserved > 0)!;
      scenario.moves.delete(open.id);
      scenario.publish(double);
      now += 61 * 60_000;
      const searches = double.calls.filter(([model, method]) => model === 'stock.move' && method === 'search').length;
      await poll(store, source);
      expect(source.stats.failedReconciliations).toBe(0);
      expect(source.stats.tombstones).toBe(1);
      expect(double.calls.filter(([model, method]) => model === 'stock.move' && method === 'search').length - searches).toBe(Math.ceil(scenario.moves.size / 140));
    });
  });

  it('failing (Odoo overloaded) does not fail the poll: what it read is kept, the failure is logged, the check runs again at the next reconcile time', async () => {
    const { double, scenario } = await world(17, 120);
    double.workerLimit('stock.move', 'search', 0);
    let now = Date.parse('2030-01-01T00:00:00Z');
    await withStore(join(tempDir('odoo-reconcile-fails'), 'data'), async (store) => {
      const notes: string[] = [];
      const source = new OdooSource({ config: doubleConfig(double, { reconcile_minutes: 60 }), logged: new EventLogRecords(store), now: () => now, log: (l) => notes.push(l), client: { sleep: async () => {} } });
      const first = await poll(store, source);
      expect(first.events_logged).toBeGreaterThan(100);
      expect(source.stats.failedReconciliations).toBe(1);
      expect(notes.join('\n')).toMatch(/deletion check of stock\.move failed, tried again in 60 min .*could not reach Odoo/);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
      // Not before the next reconcile time: a check failing under load is not repeated every poll.
      const searches = () => double.calls.filter(([model, method]) => model === 'stock.move' && method === 'search').length;
      const tried = searches();
      now += 60_000;
      expect((await poll(store, source)).events_logged).toBe(0);
      expect(searches()).toBe(tried);
      // Odoo recovers; a move was deleted meanwhile.
      double.workerLimit('stock.move', 'search', undefined);
      const open = [...scenario.moves.values()].find((m) => m.state === 'assigned' && m.reserved > 0)!;
      scenario.moves.delete(open.id);
      scenario.publish(double);
      now += 60 * 60_000;
      await poll(store, source);
      expect(source.stats.tombstones).toBe(1);
      expect(source.stats.failedReconciliations).toBe(1);
    });
  });

  it('a company no longer followed: its open reservations and order lines are left alone, not cancelled', async () => {
    const { double, scenario } = await world(17, 60);
    const business = new OdooProcurement(scenario, 6);
    business.procure(40);
    business.newOrder(2, 11, true, 3);
    scenario.addMove({ product: 2, qty: 3, uom: 1, from: 7, to: 2, company: 2, state: 'assigned', reserved: 3 });
    scenario.publish(double);
    business.publish(double);
    let now = Date.parse('2030-01-01T00:00:00Z');
    await withStore(join(tempDir('odoo-reconcile-companies'), 'data'), async (store) => {
      await poll(store, testSource(store, doubleConfig(double, { reconcile_minutes: 60 }), () => now));
      const betaEvents = async () => {
        const [row] = await store.query<{ reservations: string; lines: string; all: string }>(
          "SELECT toString(countIf(type = 'reservation')) AS reservations, toString(countIf(type = 'purchase_order_line')) AS lines, toString(count()) AS all FROM events WHERE JSONExtractString(payload, 'company') = 'beta'",
        );
        return { reservations: Number(row!.reservations), lines: Number(row!.lines), all: Number(row!.all) };
      };
      const before = await betaEvents();
      expect(before.reservations).toBeGreaterThan(0);
      expect(before.lines).toBeGreaterThan(0);

      // Beta is dropped from "companies"; in Acme an open move is deleted.
      const open = [...scenario.moves.values()].find((m) => m.company === 1 && m.state === 'assigned' && m.reserved > 0)!;
      scenario.moves.delete(open.id);
      scenario.publish(double);
      business.publish(double);
      now += 61 * 60_000;
      const acmeOnly = testSource(store, doubleConfig(double, { reconcile_minutes: 60, companies: { '1': 'acme' } }), () => now);
      const summary = await poll(store, acmeOnly);
      expect(acmeOnly.stats.tombstones).toBe(1);
      expect(summary.dead_lettered).toBe(0);
      // Not a cancellation, not a released reservation, not a "done move gone" dead letter.
      expect(await betaEvents()).toEqual(before);
    });
  });
});
