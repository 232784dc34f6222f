import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { odooDate, OdooScenario } from '../../fixtures/odoo/odoo-scenario.js';
import { doubleConfig, testSource } from '../../fixtures/odoo/odoo-testing.js';
import type { RunSummary } from '../../runtime/embedded-pipeline.js';
import { tempDir, testConfig, withStore } from '../../testing/harness.js';
import { OdooPollLoop } from './odoo-poll-loop.js';

const doubles: OdooDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the poll loop, woken by webhook notifications', () => {
  it('with settle_seconds 2: the record saved just before a burst of notifications is in the one poll that follows, ~3 s later', async () => {
    const double = new OdooDouble({ version: 17 });
    doubles.push(double);
    await double.start();
    const scenario = new OdooScenario(9, 6);
    scenario.operate(30);
    scenario.publish(double);
    await withStore(join(tempDir('odoo-nudge-settle'), 'data'), async (store) => {
      // Odoo's clock and ours: the real one, since the loop times its polls by it.
      const source = testSource(store, doubleConfig(double, { settle_seconds: 2 }), Date.now);
      const polls: Array<{ startedAt: number; summary: RunSummary }> = [];
      let polled = () => {};
      // Notifications only: the regular pause is far longer than the test.
      const loop = new OdooPollLoop(store, testConfig(), source, {
        pollMs: 600_000,
        log: () => {},
        onPoll: (summary) => {
          polls.push({ startedAt: loop.lastStartedAt, summary });
          polled();
        },
      });
      const nextPoll = (within: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no poll within ${within} ms`)), within);
          polled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      const first = nextPoll(30_000);
      const running = loop.run();
      try {
        await first;
        expect(polls[0]!.summary.events_logged).toBeGreaterThan(0);

        // Early in a second, so the burst of notifications shares it.
        await sleep(1000 - (Date.now() % 1000) + 20);
        const saved = scenario.addMove({ product: 1, qty: 4, uom: 1, from: 1, to: 4, company: 1, state: 'done', reserved: 0 });
        saved.write_date = saved.date = odooDate(Date.now());
        scenario.publish(double);
        const notifiedAt = Date.now();
        const followed = nextPoll(15_000);
        for (let i = 0; i < 5; i++) loop.nudge();
        await followed;
        // A little longer: a second poll for the same notifications would start now.
        await sleep(1500);

        expect(polls.length).toBe(2);
        const { startedAt, summary } = polls[1]!;
        expect(startedAt - notifiedAt).toBeGreaterThanOrEqual(2000);
        // Due at most 3 s after the notification; the slack is for a busy machine (the regular poll is 10 min away).
        expect(startedAt - notifiedAt).toBeLessThan(3000 + 3000);
        expect(summary.events_logged).toBeGreaterThan(0);
        const ids = (await store.query<{ event_id: string }>("SELECT event_id FROM events WHERE type = 'stock_move'")).map((r) => r.event_id);
        expect(ids.some((id) => id.startsWith(`odoo-test/stock_move/stock.move:${saved.id}@`))).toBe(true);
      } finally {
        loop.stop();
        await running;
      }
    });
  }, 60_000);
});
