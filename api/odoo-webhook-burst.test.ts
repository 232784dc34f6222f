import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OdooDouble } from '../fixtures/odoo/odoo-double.js';
import { OdooScenario } from '../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, expectedRows, ledgerOf, testSource } from '../fixtures/odoo/odoo-testing.js';
import { OdooPollLoop } from '../ingest/odoo/odoo-poll-loop.js';
import { kpiSettings } from '../kpis/kpi.js';
import { tempDir, testConfig, withStore } from '../testing/harness.js';
import { createApp } from './app.js';
import { OdooWebhookReceiver } from './odoo-webhook-route.js';

const SECRET = 'test-secret-0123456789abcdef';
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('Odoo webhook receiver', () => {
  it('a burst of 1,000 notifications with 10% dropped: every change reaches the ledger through the poller', async () => {
    const double = new OdooDouble({ version: 17 });
    await double.start();
    stops.push(() => double.stop());
    const scenario = new OdooScenario(11, 10);
    scenario.operate(50);
    scenario.publish(double);
    await withStore(join(tempDir('odoo-webhook'), 'data'), async (store) => {
      const config = testConfig({ LEDGERLINE_BATCH_EVENTS: 1000 });
      const source = testSource(store, doubleConfig(double, { page_size: 200 }), () => Date.now() + 365 * 86_400_000 * 10);
      // A long pause between polls: only notifications wake the poller in this test.
      const loop = new OdooPollLoop(store, config, source, { pollMs: 600_000, log: () => {} });
      const receiver = new OdooWebhookReceiver(SECRET, () => loop.nudge());
      const app = createApp(store, kpiSettings(config), { ratePerSecond: 0, odooWebhook: receiver, log: () => {} });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/odoo/webhook`;
      let polled: () => void = () => {};
      let sentAt = Infinity;
      const caughtUp = new Promise<void>((resolve) => (polled = resolve));
      (loop as unknown as { o: { onPoll: () => void } }).o.onPoll = () => {
        if (loop.lastStartedAt > sentAt) polled();
      };
      const running = loop.run();

      // 1,000 moves done in Odoo, each firing its automation; one notification in ten is lost.
      const created = [];
      for (let i = 0; i < 1000; i++) created.push(scenario.addMove({ product: 1 + (i % 10), qty: 1 + (i % 7), uom: scenario.products.get(1 + (i % 10))!.uom, from: 1, to: 4, company: 1, state: 'done', reserved: 0 }));
      scenario.publish(double);
      const statuses: number[] = [];
      for (let i = 0; i < created.length; i += 50) {
        const wave = created.slice(i, i + 50).filter((m) => m.id % 10 !== 3);
        const answers = await Promise.all(
          wave.map((m) =>
            fetch(`${url}?secret=${SECRET}`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              // As Odoo sends it with no fields chosen: json.dumps({'_model', '_id', '_action'}).
              body: JSON.stringify({ _model: 'stock.move', _id: m.id, _action: 'Notify Ledgerline(#7)' }),
            }),
          ),
        );
        statuses.push(...answers.map((a) => a.status));
      }
      sentAt = Date.now();
      loop.nudge();
      await caughtUp;
      loop.stop();
      await running;
      await new Promise((resolve) => server.close(resolve));
      app.closeStreams();

      expect(statuses.length).toBe(900);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(receiver.received).toBe(900);
      const logged = new Set((await store.query<{ event_id: string }>("SELECT event_id FROM events WHERE type = 'stock_move'")).map((r) => r.event_id));
      const missing = created.filter((m) => ![...logged].some((id) => id.startsWith(`odoo-test/stock_move/stock.move:${m.id}@`)));
      expect(missing).toEqual([]);
      expect(await ledgerOf(store)).toEqual(expectedRows(scenario.expectedLedger()));
    });
  });

  it('refuses a missing or wrong secret (401), a payload without _model/_id (400); 404 where no poller runs', async () => {
    await withStore(join(tempDir('odoo-webhook-auth'), 'data'), async (store) => {
      const seen: number[] = [];
      const receiver = new OdooWebhookReceiver(SECRET, (n) => seen.push(n.id));
      for (const [app, expectations] of [
        [createApp(store, kpiSettings(testConfig()), { odooWebhook: receiver, log: () => {} }), true],
        [createApp(store, kpiSettings(testConfig()), { log: () => {} }), false],
      ] as const) {
        const server = app.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/odoo/webhook`;
        const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
          fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
        const good = { _model: 'stock.move', _id: 5 };
        if (expectations) {
          expect((await post('', good)).status).toBe(401);
          expect((await post('?secret=wrong-secret-0123456789', good)).status).toBe(401);
          expect((await post(`?secret=${SECRET}x`, good)).status).toBe(401);
          expect((await post(`?secret=${SECRET}`, { _id: 5 })).status).toBe(400);
          expect((await post(`?secret=${SECRET}`, { _model: 'stock.move', _id: -1 })).status).toBe(400);
          const ok = await post(`?secret=${SECRET}`, good);
          expect(ok.status).toBe(200);
          expect(await ok.json()).toEqual({ status: 'accepted', model: 'stock.move', id: 5 });
          expect((await post('', good, { 'X-Ledgerline-Odoo-Secret': SECRET })).status).toBe(200);
          expect(seen).toEqual([5, 5]);
          expect(receiver.refused).toBe(3);
        } else {
          const res = await post(`?secret=${SECRET}`, good);
          expect(res.status).toBe(404);
          expect(((await res.json()) as { error: string }).error).toMatch(/ledgerline odoo/);
        }
        await new Promise((resolve) => server.close(resolve));
        app.closeStreams();
      }
    });
  });
});
