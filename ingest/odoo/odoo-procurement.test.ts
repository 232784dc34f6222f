import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { inventoryAccuracyTruth, supplierOtifTruth, threeWayMatchTruth, type KpiTruth } from '../../fixtures/odoo/odoo-kpi-truth.js';
import { OdooProcurement } from '../../fixtures/odoo/odoo-procurement.js';
import { OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { kpiSettings } from '../../kpis/kpi.js';
import { Checkpoints, streamTime } from '../../store/checkpoints.js';
import { queryKpi } from '../../store/kpi-query.js';
import { tempDir, testConfig, withStore } from '../../testing/harness.js';

const doubles: OdooDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

async function startDouble(version: 16 | 17 | 18 | 19): Promise<OdooDouble> {
  const double = new OdooDouble({ version });
  doubles.push(double);
  await double.start();
  return double;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
const asTruth = (rows: Array<{ period: string; dimension: string; numerator: number; denominator: number }>): KpiTruth =>
  new Map(rows.map((r) => [`${r.period}|${r.dimension}`, [r.numerator, r.denominator] as [number, number]]));

describe.each([
  [16, 'jsonrpc'],
  [17, 'jsonrpc'],
  [18, 'jsonrpc'],
  [19, 'json2'],
] as const)('Odoo %i over %s: purchases, bills, counts, sales dates', (version, protocol) => {
  it('supplier OTIF, three-way match and inventory accuracy equal the values worked out from the fixture data', async () => {
    const double = await startDouble(version);
    const scenario = new OdooScenario(version, 10);
    const business = new OdooProcurement(scenario, version);
    scenario.operate(40);
    await withStore(join(tempDir(`odoo-procure-${version}`), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double, { protocol }));
      // Polls between rounds of business: counts entered and applied between two polls are seen pending.
      for (let round = 0; round < 5; round++) {
        business.procure(45);
        scenario.publish(double);
        business.publish(double);
        const summary = await poll(store, source);
        expect(summary.dead_lettered).toBe(0);
      }
      // A last bit of warehouse work: the latest event is at the scenario's clock.
      scenario.operate(10);
      scenario.publish(double);
      business.publish(double);
      await poll(store, source);
      expect(source.followed).toEqual(['stock.location', 'product.product', 'res.partner', 'sale.order', 'sale.order.line', 'purchase.order', 'purchase.order.line', 'stock.move', 'stock.quant', 'account.move', 'account.move.line', 'quality.check']);

      const streamDay = new Date(scenario.clock).toISOString().slice(0, 10);
      expect((await streamTime(new Checkpoints(store)))?.slice(0, 10)).toBe(streamDay);
      const settings = kpiSettings(testConfig());
      const kpi = async (name: string) => asTruth(await queryKpi(store, { name, by: 'company' }, settings));

      const otif = supplierOtifTruth(business, streamDay);
      expect(otif.quantity.size).toBeGreaterThan(5);
      expect(await kpi('supplier_otif')).toEqual(otif.quantity);
      expect(await kpi('supplier_otif_line')).toEqual(otif.lines);
      // Not all on time, not all late: the fixture exercises both.
      const [onTime, ordered] = [...otif.quantity.values()].reduce(([a, b], [n, d]) => [a + n, b + d], [0, 0]);
      expect(onTime).toBeGreaterThan(0);
      expect(onTime).toBeLessThan(ordered);

      const match = threeWayMatchTruth(business, settings.billPriceTolerancePercent);
      const [exceptions, billLines] = [...match.values()].reduce(([a, b], [n, d]) => [a + n, b + d], [0, 0]);
      expect(billLines).toBeGreaterThan(10);
      expect(exceptions).toBeGreaterThan(0);
      expect(exceptions).toBeLessThan(billLines);
      expect(await kpi('three_way_match_exceptions')).toEqual(match);

      const accuracy = inventoryAccuracyTruth(business, settings.countToleranceUnits, settings.countTolerancePercent);
      const [accurate, counts] = [...accuracy.values()].reduce(([a, b], [n, d]) => [a + n, b + d], [0, 0]);
      expect(counts).toBeGreaterThan(5);
      expect(accurate).toBeLessThan(counts);
      expect(await kpi('inventory_accuracy')).toEqual(accuracy);
      process.stdout.write(
        `odoo ${version} KPIs from the double = worked out: supplier_otif ${round(onTime)}/${round(ordered)} units, three_way_match_exceptions ${exceptions}/${billLines} bill lines, inventory_accuracy ${accurate}/${counts} counts\n`,
      );

      // Receipts, returns and count adjustments are moves: the ledger still folds from the fixture.
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));

      // Sales lines carry their order's dates, the latest version of each (an order edit is a new version).
      const events = await store.query<{ rid: string; latest: string }>(
        "SELECT JSONExtractString(payload, 'record_id') AS rid, argMax(payload, JSONExtractUInt(payload, 'version')) AS latest FROM events WHERE type = 'sales_order_line' GROUP BY rid",
      );
      const dates = business.expectedSaleDates();
      expect(dates.size).toBeGreaterThan(3);
      expect(new Map(events.map((e) => [e.rid, (({ requested_date, committed_date }) => ({ requested: requested_date, committed: committed_date }))(JSON.parse(e.latest) as { requested_date: string | null; committed_date: string | null })]))).toEqual(dates);
    });
  });
});

describe.each([16, 17, 18, 19] as const)('Odoo %i: sales order lines no move delivers', (version) => {
  it('sections, notes, a delivery charge and a down payment are skipped, not sales lines and not dead letters; the product lines are kept', async () => {
    const double = await startDouble(version);
    const scenario = new OdooScenario(version, 6);
    const business = new OdooProcurement(scenario, version);
    scenario.operate(20);
    // Services in 16–17 (type service), goods not tracked in 18–19 (is_storable false) as well.
    scenario.products.set(40, { id: 40, code: 'DELIVERY', uom: 1, active: true, company: undefined, storable: false, write_date: scenario.tick(1) });
    scenario.products.set(41, { id: 41, code: 'DOWNPAYMENT', uom: 1, active: true, company: undefined, storable: false, write_date: scenario.tick(1) });
    // Archived since: no longer offered, but the old order still has it.
    scenario.products.set(42, { id: 42, code: 'OLD-FEE', uom: 1, active: false, company: undefined, storable: false, write_date: scenario.tick(1) });
    const now = scenario.tick(1);
    business.saleOrders.set(1, { id: 1, company: 1, state: 'sale', date_order: now, commitment_date: false, expected_date: now, write_date: now });
    const line = (id: number, product: number | false, extra: Record<string, unknown> = {}) =>
      scenario.saleLines.set(id, {
        id,
        order_id: [1, 'S00001'],
        product_id: product === false ? false : [product, `Product ${product}`],
        product_uom_qty: product === false ? 0 : 2,
        uom: product === false ? false : [1, 'Units'],
        price_unit: product === false ? 0 : 9.5,
        state: 'sale',
        create_date: now,
        order_partner_id: [10, 'Customer One'],
        company_id: [1, 'Acme Corp'],
        warehouse_id: [1, 'Acme Main'],
        display_type: false,
        write_date: now,
        ...extra,
      });
    line(1, 1);
    line(2, false, { display_type: 'line_section' });
    line(3, false, { display_type: 'line_note' });
    line(4, 40);
    line(5, 41, { product_uom_qty: 1, price_unit: 100 });
    line(6, 42);
    line(7, 2);
    scenario.publish(double);
    business.publish(double);
    await withStore(join(tempDir(`odoo-sale-skips-${version}`), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double));
      const summary = await poll(store, source);
      expect(summary.dead_lettered).toBe(0);
      const lines = await store.query<{ rid: string }>("SELECT DISTINCT JSONExtractString(payload, 'record_id') AS rid FROM events WHERE type = 'sales_order_line' ORDER BY rid");
      expect(lines.map((l) => l.rid)).toEqual(['sale.order.line:1', 'sale.order.line:7']);
      expect(source.stats.skipped).toBeGreaterThanOrEqual(5);
    });
  });
});
