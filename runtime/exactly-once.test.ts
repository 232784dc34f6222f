import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { runCli, startCli, tableFingerprints, tempDir, withStore } from '../testing/harness.js';

/**
 * Exactly-once effect, tested on real processes: feeding the same input again, or killing
 * `ledgerline run` with SIGKILL at arbitrary points and running it again, must leave every table
 * as one clean run leaves it.
 */
let dir: string;
let events: string;
let clean: Awaited<ReturnType<typeof tableFingerprints>>;
let cleanRunMs: number;
// Small batches: many log appends and commits, so a kill lands between them.
const ENV = { LEDGERLINE_BATCH_EVENTS: '2000' };

async function fingerprints(dataDir: string) {
  return withStore(dataDir, (store) => tableFingerprints(store));
}

beforeAll(async () => {
  dir = tempDir('exactly-once');
  await writeDataset({ seed: 11, days: 365, skus: 60, warehouses: 3, out: dir });
  events = join(dir, 'events.jsonl');
  const started = Date.now();
  const run = await runCli(['run', '--once', '--input', events, '--data-dir', join(dir, 'clean')], ENV);
  cleanRunMs = Date.now() - started;
  expect(run.code, run.stderr).toBe(0);
  clean = await fingerprints(join(dir, 'clean'));
  expect(clean.events!.rows).toBeGreaterThan(50_000);
}, 180_000);

describe('exactly-once effect of `ledgerline run`', () => {
  it('the same events again in the same run (the file twice, and reordered in another file), and again in a later run, change nothing', async () => {
    const dataDir = join(dir, 'twice');
    // Same events, another file (another fingerprint), reversed: its duplicates arrive while the
    // first copies are still being written, and must be recognised all the same.
    const reversed = join(dir, 'reversed.jsonl');
    const lines = readFileSync(events, 'utf8').split('\n').filter(Boolean).reverse();
    writeFileSync(reversed, `${lines.join('\n')}\n`);
    const first = await runCli(['run', '--once', '--input', events, events, reversed, '--data-dir', dataDir], ENV);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ events_logged: clean.events!.rows });

    const second = await runCli(['run', '--once', '--input', events, '--data-dir', dataDir], ENV);
    // Nothing to read, and nothing to replay: every partition was committed to the end of the log.
    expect(JSON.parse(second.stdout)).toMatchObject({ events_read: 0, events_logged: 0, replayed: 0 });

    const got = await fingerprints(dataDir);
    const { checkpoints: _a, ...tables } = got;
    const { checkpoints: _b, ...want } = clean;
    expect(tables).toEqual(want);
  }, 180_000);

  it('SIGKILL at arbitrary points, then a run to the end, equals one clean run', async () => {
    const dataDir = join(dir, 'killed');
    let killed = 0;
    // Kill points spread over a clean run's duration (process start included), whatever the machine's speed.
    // Each restart has less left to do than a clean run, so the later kill points come earlier;
    // stop after three kills.
    for (const fraction of [0.4, 0.3, 0.25, 0.2, 0.15, 0.1]) {
      if (killed === 3) break;
      const afterMs = Math.round(cleanRunMs * fraction);
      const child = startCli(['run', '--once', '--input', events, '--data-dir', dataDir], ENV);
      let stdout = '';
      child.stdout!.on('data', (d) => (stdout += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
      const signal = await exited;
      clearTimeout(timer);
      if (signal === 'SIGKILL') killed++;
      else expect(stdout).toContain('events_read'); // finished before the kill: it must have completed cleanly
    }
    expect(killed, 'no run was killed midway: the input is too small for this machine').toBeGreaterThanOrEqual(2);
    const last = await runCli(['run', '--once', '--input', events, '--data-dir', dataDir], ENV);
    expect(last.code, last.stderr).toBe(0);
    expect(await fingerprints(dataDir)).toEqual(clean);
  }, 180_000);
});

describe('the bus partition count of a data directory', () => {
  it('cannot change silently: state is kept per partition', async () => {
    const dataDir = join(tempDir('partitions'), 'data');
    expect((await runCli(['run', '--once', '--data-dir', dataDir], { LEDGERLINE_BUS_PARTITIONS: '8' })).code).toBe(0);
    const changed = await runCli(['run', '--once', '--data-dir', dataDir], { LEDGERLINE_BUS_PARTITIONS: '16' });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/processed with 8 bus partitions, now 16: set LEDGERLINE_BUS_PARTITIONS=8/);
    expect(changed.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
