import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, poll, testSource } from '../../fixtures/odoo/odoo-testing.js';
import { tempDir, withStore } from '../../testing/harness.js';

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

describe.each([
  [16, 'jsonrpc'],
  [17, 'jsonrpc'],
  [17, 'session'],
  [18, 'jsonrpc'],
  [19, 'jsonrpc'],
  [19, 'json2'],
] as const)('Odoo %i over %s', (version, protocol) => {
  it('gives the ledger folded from the fixture data, and a second poll adds nothing', async () => {
    const double = await startDouble(version);
    const scenario = new OdooScenario(version, 12);
    scenario.operate(120);
    scenario.publish(double);
    await withStore(join(tempDir(`odoo-${version}-${protocol}`), 'data'), async (store) => {
      const source = testSource(store, doubleConfig(double, { protocol }));
      const first = await poll(store, source);
      expect(first.dead_lettered).toBe(0);
      expect(source.odooVersion).toBe(version);
      const expected = expectedRows(scenario.expectedLedger());
      expect(expected.size).toBeGreaterThan(10);
      expect(await ledgerOf(store)).toEqual(expected);

      // More business, then a poll from the saved cursor: the ledger follows.
      scenario.operate(60);
      scenario.publish(double);
      const second = await poll(store, source);
      expect(second.events_logged).toBeGreaterThan(0);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
      // Nothing changed: the overlap re-reads, the log deduplicates.
      const third = await poll(store, source);
      expect(third.events_logged).toBe(0);
    });
  });
});

describe('poller restart', () => {
  it('killed at any batch and restarted, while Odoo keeps changing: no gap, no duplicate event id', async () => {
    const double = await startDouble(17);
    const scenario = new OdooScenario(7, 10);
    scenario.operate(400);
    scenario.publish(double);
    await withStore(join(tempDir('odoo-restart'), 'data'), async (store) => {
      const config = doubleConfig(double, { page_size: 5 });
      let crashes = 0;
      // Crash after 0, 3, 6 … batches in turn (before anything was written, and after the log and
      // cursor were written once or more: every 100 events), with new Odoo changes before every
      // restart; then one run to the end.
      for (let crashAfter = 0; crashAfter < 36; crashAfter += 3) {
        const inner = testSource(store, config);
        const crashing = {
          id: inner.id,
          name: inner.name,
          async *batches(resumeFrom?: string) {
            let n = 0;
            for await (const batch of inner.batches(resumeFrom)) {
              if (n++ === crashAfter) throw new Error('simulated crash');
              yield batch;
            }
          },
        };
        await expect(poll(store, crashing as never)).rejects.toThrow('simulated crash');
        crashes++;
        const saved = await store.query<{ n: string }>("SELECT toString(count()) AS n FROM checkpoints WHERE name = 'source/odoo:odoo-test'");
        if (crashAfter >= 30) expect(Number(saved[0]!.n)).toBeGreaterThan(0);
        scenario.operate(15);
        scenario.publish(double);
      }
      const final = await poll(store, testSource(store, config));
      expect(final.dead_lettered).toBe(0);
      expect(crashes).toBe(12);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
      // No duplicate: the log never took an event id twice (counted before any merge could hide it).
      const [row] = await store.query<{ n: string; ids: string }>('SELECT toString(count()) AS n, toString(uniqExact(event_id)) AS ids FROM events');
      expect(Number(row!.n)).toBe(Number(row!.ids));
      // No gap: the latest version of every done move is in the log.
      const ids = new Set((await store.query<{ event_id: string }>("SELECT event_id FROM events WHERE type = 'stock_move'")).map((r) => r.event_id));
      const done = [...scenario.moves.values()].filter((m) => m.state === 'done');
      expect(done.length).toBeGreaterThan(50);
      for (const m of done) expect(ids.has(`odoo-test/stock_move/stock.move:${m.id}@${Date.parse(`${m.write_date.replace(' ', 'T')}Z`)}`)).toBe(true);
    });
  });
});
