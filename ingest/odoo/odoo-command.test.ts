import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OdooDouble } from '../../fixtures/odoo/odoo-double.js';
import { COMPANY_CODES, OdooScenario, QUARANTINE } from '../../fixtures/odoo/odoo-scenario.js';
import { runCli, startCli, tempDir } from '../../testing/harness.js';

const doubles: OdooDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

describe('ledgerline odoo, as a new user runs it', () => {
  it('a config file and one command: one poll with --once, then following with the webhook until SIGTERM', async () => {
    const double = new OdooDouble({ version: 17 });
    doubles.push(double);
    await double.start();
    const scenario = new OdooScenario(5, 8);
    scenario.operate(80);
    scenario.publish(double);
    const dir = tempDir('odoo-cli');
    const configPath = join(dir, 'odoo.json');
    // The file a user writes (docs/odoo.md); the key stays in the environment.
    writeFileSync(
      configPath,
      JSON.stringify({ url: double.url, db: double.db, login: double.login, api_key_env: 'ODOO_API_KEY', source: 'odoo-acme', companies: COMPANY_CODES, quarantine_locations: QUARANTINE, webhook_secret_env: 'ODOO_WEBHOOK_SECRET', settle_seconds: 0 }),
    );
    const env = { ODOO_API_KEY: double.apiKey, ODOO_WEBHOOK_SECRET: 'cli-test-secret-0123456789' };
    const once = await runCli(['odoo', '--config', configPath, '--once', '--data-dir', join(dir, 'data')], env);
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    const summary = JSON.parse(once.stdout) as { events_logged: number; dead_lettered: number; odoo_version: number; models: string[] };
    expect(summary.odoo_version).toBe(17);
    expect(summary.dead_lettered).toBe(0);
    expect(summary.events_logged).toBeGreaterThan(80);
    expect(summary.models).toEqual(['stock.location', 'product.product', 'res.partner', 'sale.order', 'sale.order.line', 'purchase.order', 'purchase.order.line', 'stock.move', 'stock.quant', 'account.move', 'account.move.line', 'quality.check']);

    const child = startCli(['odoo', '--config', configPath, '--port', '0', '--data-dir', join(dir, 'data')], { ...env, LEDGERLINE_SCORING_MINUTES: '0', LEDGERLINE_DASHBOARDS_MINUTES: '0' });
    try {
      let stderr = '';
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no serving line: ${stderr}`)), 60_000);
        child.stderr!.on('data', (d) => {
          stderr += d;
          const m = /serving the API on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/odoo/webhook?secret=${env.ODOO_WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ _model: 'stock.move', _id: 1, _action: 'Notify Ledgerline(#3)' }),
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  });

  it('a config with mistakes: every one listed, exit 1, no stack trace', async () => {
    const dir = tempDir('odoo-cli-bad');
    const configPath = join(dir, 'odoo.json');
    writeFileSync(configPath, JSON.stringify({ url: 'acme.odoo.com', page_size: 0, protocol: 'xmlrpc' }));
    const r = await runCli(['odoo', '--config', configPath, '--once', '--data-dir', join(dir, 'data')], { ODOO_API_KEY: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Odoo config .* is invalid/);
    for (const field of ['url', 'db', 'page_size', 'protocol']) expect(r.stderr).toContain(`${field}:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await runCli(['odoo', '--config', join(dir, 'nope.json'), '--once', '--data-dir', join(dir, 'data')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read it \(ENOENT\)/);
    const wrongKey = new OdooDouble({ version: 16 });
    doubles.push(wrongKey);
    await wrongKey.start();
    writeFileSync(configPath, JSON.stringify({ url: wrongKey.url, db: wrongKey.db, login: wrongKey.login, api_key_env: 'ODOO_API_KEY' }));
    const refused = await runCli(['odoo', '--config', configPath, '--once', '--data-dir', join(dir, 'data')], { ODOO_API_KEY: 'not-the-key' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the login .* API key/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('--once while Odoo is unreachable: exit 75 (try again later) with what failed, not a config error', async () => {
    const down = new OdooDouble({ version: 17 });
    await down.start();
    const url = down.url;
    await down.stop();
    const dir = tempDir('odoo-cli-down');
    const configPath = join(dir, 'odoo.json');
    writeFileSync(configPath, JSON.stringify({ url, db: 'acme', login: 'bot@acme.example', api_key_env: 'ODOO_API_KEY', max_attempts: 1 }));
    const r = await runCli(['odoo', '--config', configPath, '--once', '--data-dir', join(dir, 'data')], { ODOO_API_KEY: 'any-key' });
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/could not reach Odoo at .*run again later/);
    expect(r.stderr).not.toMatch(/config/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
