import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { OdooProcurement } from '../../fixtures/odoo/odoo-procurement.js';
import { OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { tempDir, withStore } from '../../testing/harness.js';
import { OdooSource } from './odoo-source.js';

const doubles: OdooDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

async function world(version: 16 | 17 | 18 | 19) {
  const double = new OdooDouble({ version });
  doubles.push(double);
  await double.start();
  const scenario = new OdooScenario(4, 8);
  const business = new OdooProcurement(scenario, 4);
  scenario.operate(40);
  business.procure(60);
  return { double, scenario, business };
}

describe('purchase, bill and count records Odoo should not have', () => {
  it('missing relations, unknown units, archived products, negative quantities, company mismatch: dead letters with reasons, the rest applied', async () => {
    const { double, scenario, business } = await world(18);
    const order = business.newOrder(1, 11, true, 0);
    const line = (id: number, changes: Record<string, unknown>) =>
      business.lines.set(id, { id, order: order.id, product: 1, qty: 5, uom: 1, price: 2, date_planned: order.date_order, write_date: scenario.tick(1), ...changes });
    line(9001, { product: 999 }); // a product the API user cannot see
    line(9002, { uom: 7 }); // a unit not in uom.uom
    scenario.products.set(50, { id: 50, code: 'SKU-050', uom: 1, active: false, company: undefined, storable: true, write_date: scenario.tick() });
    line(9003, { product: 50 }); // archived
    line(9004, { rawQty: -5 });
    line(9005, { company: 2 }); // a company-2 line on a company-1 order
    const quant = (id: number, changes: Record<string, unknown>) =>
      business.quants.set(id, { id, product: 1, location: 4, company: 1, quantity: 0, counted: 3, set: true, user: [7, 'Anna'], last_count_date: false, write_date: scenario.tick(1), ...changes });
    quant(99001, { counted: -2 });
    quant(99002, { company: 2 }); // a company-2 count on a company-1 location
    quant(99003, { product: 999 });
    business.bills.set(9001, {
      id: 9001,
      name: 'BILL/BAD/1',
      company: 1,
      vendor: 11,
      move_type: 'in_invoice',
      state: 'posted',
      date: scenario.tick(1).slice(0, 10),
      write_date: scenario.tick(1),
      lines: [{ id: 90001, product: 1, qty: 1, uom: 1, price: 2, purchase_line: 987654, write_date: scenario.tick(1) }],
    });
    scenario.publish(double);
    business.publish(double);
    // The quant double keeps its own quantity: a count on a quant the business never moved.
    await withStore(join(tempDir('odoo-procure-bad'), 'data'), async (store) => {
      const summary = await poll(store, testSource(store, doubleConfig(double)));
      const rows = await store.query<{ reason: string; raw: string }>("SELECT reason, raw FROM dead_letters FINAL WHERE source_id = 'odoo:odoo-test'");
      const kinds = ['missing relation', 'unknown unit of measure', 'is archived', 'negative quantity', 'company mismatch'];
      const counts = Object.fromEntries(kinds.map((k) => [k, rows.filter((r) => r.reason.includes(k)).length]));
      process.stdout.write(`odoo purchase/bill/count bad input dead letters by reason: ${JSON.stringify(counts)}\n`);
      expect(counts).toEqual({ 'missing relation': 3, 'unknown unit of measure': 1, 'is archived': 1, 'negative quantity': 2, 'company mismatch': 2 });
      expect(summary.dead_lettered).toBe(9);
      for (const r of rows) expect(r.reason).toMatch(/^(purchase\.order\.line|stock\.quant|account\.move\.line):\d+: /);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
      const [good] = await store.query<{ n: string }>("SELECT toString(count()) AS n FROM events WHERE type IN ('purchase_order_line', 'vendor_bill_line', 'inventory_count')");
      expect(Number(good!.n)).toBeGreaterThan(20);
    });
  });
});

describe('quality checks (Enterprise)', () => {
  it('a check with a result on a receipt is a quality_check event at the receipt destination; without quality_control the model is left out with a note', async () => {
    const { double, scenario, business } = await world(17);
    scenario.publish(double);
    business.publish(double);
    const line = [...business.lines.values()][0]!;
    double.set('stock.picking', [{ id: 501, name: 'WH/IN/00501', location_id: [1, 'Partners/Vendors'], location_dest_id: [6, 'WH/Quality'], company_id: [1, 'Acme Corp'], state: 'done', write_date: '2025-03-01 08:00:00' }]);
    double.set('quality.check', [
      { id: 1, name: 'QC1', product_id: [line.product, 'p'], quality_state: 'pass', company_id: [1, 'Acme Corp'], picking_id: [501, 'WH/IN/00501'], control_date: '2025-03-02 10:00:00', lot_id: [3, 'LOT-A'], qty_line: 4, write_date: '2025-03-02 10:00:01' },
      { id: 2, name: 'QC2', product_id: [line.product, 'p'], quality_state: 'none', company_id: [1, 'Acme Corp'], picking_id: [501, 'WH/IN/00501'], control_date: false, lot_id: false, qty_line: 4, write_date: '2025-03-02 10:00:02' },
    ]);
    await withStore(join(tempDir('odoo-quality'), 'data'), async (store) => {
      await poll(store, testSource(store, doubleConfig(double)));
      const checks = await store.query<{ payload: string }>("SELECT payload FROM events WHERE type = 'quality_check'");
      expect(checks.map((c) => JSON.parse(c.payload) as Record<string, unknown>)).toMatchObject([
        { check_id: 'quality.check:1', location: 'WH/Quality', warehouse: 'WH', lot: 'LOT-A', qty: 4, result: 'pass', occurred_at: '2025-03-02T10:00:00.000Z' },
      ]);

      delete double.shapes.models['quality.check'];
      const notes: string[] = [];
      const source = new OdooSource({ config: doubleConfig(double), now: () => Date.parse('2030-01-01T00:00:00Z'), log: (l) => notes.push(l) });
      await poll(store, source);
      expect(source.followed).not.toContain('quality.check');
      expect(notes.join('\n')).toMatch(/quality\.check is not installed/);
    });
  });
});
