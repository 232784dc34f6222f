import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMalformedFile } from '../fixtures/malformed.js';
import { runCli, tempDir, withStore } from '../testing/harness.js';

describe('a file with malformed lines of many kinds', () => {
  it('dead-letters every bad line with its reason, processes every good line, exits 0', async () => {
    const dir = tempDir('malformed');
    const file = join(dir, 'mixed.jsonl');
    const { good, bad } = writeMalformedFile(file, { good: 40, hugeLineBytes: 10 * 1024 * 1024 });
    const dataDir = join(dir, 'data');

    const run = await runCli(['run', '--once', '--input', file, '--data-dir', dataDir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ events_read: good.length + bad.length, events_logged: good.length, dead_lettered: bad.length, duplicates: 0 });

    await withStore(dataDir, async (store) => {
      const letters = await store.query<{ position: number; reason: string; raw: string; raw_bytes: number; raw_sha256: string }>(
        'SELECT position, reason, raw, raw_bytes, raw_sha256 FROM dead_letters FINAL ORDER BY position',
      );
      expect(letters).toHaveLength(bad.length);
      bad.forEach((c, i) => {
        expect(letters[i]!.reason, c.name).toMatch(c.reason);
        expect(letters[i]!.raw_bytes, c.name).toBe(c.line.length);
        expect(Buffer.byteLength(letters[i]!.raw), c.name).toBeLessThanOrEqual(64 * 1024);
        // The hash is of the whole record as it was in the file, even when only a prefix is kept.
        expect(letters[i]!.raw_sha256, c.name).toBe(createHash('sha256').update(c.line).digest('hex'));
      });
      const [moves] = await store.query<{ n: number; qty: number }>('SELECT count() AS n, sum(qty) AS qty FROM ledger_movements FINAL');
      // Each good event ships its quantity out of WH1/Stock.
      expect(moves).toEqual({ n: good.length, qty: -good.reduce((s, e) => s + (e.type === "stock_move" ? e.qty : 0), 0) });
    });
  });
});
