import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { tempDir, withStore } from '../../testing/harness.js';
import { OdooClient } from './odoo-client.js';
import { OdooAuthError, OdooFieldError, OdooModelMissingError } from './odoo-errors.js';

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
