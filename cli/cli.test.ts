import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { runCli, startCli, tempDir } from '../testing/harness.js';

/** The CLI as a user meets it: real processes, real exit codes and messages. */
describe('ledgerline CLI', () => {
  it('serves the ledger over HTTP after a run, refuses a second process on the same data dir with a clear message, and stops on SIGTERM', async () => {
    const dir = tempDir('cli');
    await writeDataset({ seed: 4, days: 20, skus: 2500, warehouses: 2, out: dir });
    const dataDir = join(dir, 'data');
    const server = startCli(['run', '--input', join(dir, 'events.jsonl'), '--data-dir', dataDir, '--port', '0']);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60_000);
      server.stderr!.on('data', (d) => {
        stderr += d;
        const m = /serving the API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      const ledger = (await (await fetch(`${url}/api/v1/ledger?warehouse=WH1`)).json()) as { rows: Array<{ warehouse: string }> };
      expect(ledger.rows.length).toBeGreaterThan(0);
      expect(new Set(ledger.rows.map((r) => r.warehouse))).toEqual(new Set(['WH1']));

      const second = await runCli(['ledger', '--data-dir', dataDir]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by another Ledgerline process/);
      expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    // After the server stopped, the data dir opens again. The whole ledger through a pipe (more than
    // a pipe buffer: exiting before stdout drains would cut it) has every row of the truth.
    const all = await runCli(['ledger', '--data-dir', dataDir]);
    const truthRows = readFileSync(join(dir, 'truth', 'ledger.jsonl'), 'utf8').trim().split('\n').length;
    expect(all.stdout.length).toBeGreaterThan(512 * 1024);
    expect(all.stdout.trim().split('\n')).toHaveLength(truthRows);
    // And the as-of query works from the CLI.
    const asOf = await runCli(['ledger', '--data-dir', dataDir, '--as-of', '2025-01-15T00:00:00Z', '--warehouse', 'WH2']);
    expect(asOf.code, asOf.stderr).toBe(0);
    const rows = asOf.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0]).sort()).toEqual(['available', 'company', 'in_transit', 'location', 'on_hand', 'quarantined', 'reserved', 'sku', 'warehouse']);
  }, 120_000);

  it('kpi lists the catalogue and prints a KPI as JSON lines; an unknown KPI is a usage error', async () => {
    const dir = tempDir('kpi');
    await writeDataset({ seed: 5, days: 30, skus: 20, warehouses: 2, out: dir });
    const dataDir = join(dir, 'data');
    expect((await runCli(['run', '--once', '--input', join(dir, 'events.jsonl'), '--data-dir', dataDir])).code).toBe(0);
    const list = await runCli(['kpi', '--list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l).name)).toContain('supplier_otif');
    const weekly = await runCli(['kpi', 'fill_rate_line', '--by', 'warehouse', '--grain', 'week', '--data-dir', dataDir]);
    expect(weekly.code, weekly.stderr).toBe(0);
    const rows = weekly.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(2);
    expect(new Set(rows.map((r) => r.dimension))).toEqual(new Set(['WH1', 'WH2']));
    for (const r of rows) expect(Object.keys(r)).toEqual(['period', 'dimension', 'numerator', 'denominator', 'value']);
    const unknown = await runCli(['kpi', 'nope', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown KPI "nope" \(known: otif_line/);
  }, 120_000);

  it('sql is read-only and reports engine errors as one line', async () => {
    const dataDir = join(tempDir('sql'), 'data');
    expect((await runCli(['run', '--once', '--data-dir', dataDir])).code).toBe(0);
    const select = await runCli(['sql', 'SELECT count() AS n FROM events', '--data-dir', dataDir]);
    expect(select.stdout).toBe('{"n":0}\n');
    const drop = await runCli(['sql', 'DROP TABLE events', '--data-dir', dataDir]);
    expect(drop.code).toBe(1);
    expect(drop.stderr).toMatch(/readonly/i);
    expect(drop.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('answers usage mistakes with exit code 2 and the usage', async () => {
    for (const args of [['frobnicate'], ['run', '--input', '/nonexistent/x.jsonl', '--once'], ['ledger', '--as-of', 'yesterday'], ['generate', '--seed', '1'], ['kpi'], ['kpi', 'otif_line', '--from', 'yesterday']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^ledgerline: .+\nusage:/);
    }
  }, 60_000);
});
