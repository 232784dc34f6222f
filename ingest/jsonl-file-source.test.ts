import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { JsonlFileSource } from './jsonl-file-source.js';
import type { SourceBatch } from './source.js';

const OPTS = { batchRecords: 100, maxRecordBytes: 1 << 20, keepRawBytes: 1024 };
const line = (i: number, tag = 'a') => JSON.stringify({ n: i, tag, pad: 'x'.repeat(100) });

async function read(path: string, resume?: string): Promise<{ batches: SourceBatch[]; values: unknown[] }> {
  const source = await JsonlFileSource.open(path, OPTS);
  const batches: SourceBatch[] = [];
  for await (const b of source.batches(resume)) batches.push(b);
  return { batches, values: batches.flatMap((b) => b.records.map((r) => r.value)) };
}

describe('JsonlFileSource resume positions', () => {
  it('resumes a file where it stopped', async () => {
    const path = join(tempDir('jsonl'), 'a.jsonl');
    writeFileSync(path, Array.from({ length: 250 }, (_, i) => line(i)).join('\n') + '\n');
    const first = await read(path);
    expect(first.values).toHaveLength(250);
    const again = await read(path, await first.batches[0]!.resumeFrom());
    expect(again.values.map((v) => (v as { n: number }).n)).toEqual(Array.from({ length: 150 }, (_, i) => i + 100));
  });

  it('does not resume another file that merely starts like it (same fingerprint) at its offset', async () => {
    const dir = tempDir('jsonl-same-start');
    const head = Array.from({ length: 1000 }, (_, i) => line(i)); // > 64 KiB: the fingerprint is the same
    writeFileSync(join(dir, 'a.jsonl'), [...head, ...Array.from({ length: 1000 }, (_, i) => line(i, 'only-in-a'))].join('\n') + '\n');
    writeFileSync(join(dir, 'b.jsonl'), [...head, ...Array.from({ length: 3000 }, (_, i) => line(i, 'only-in-b'))].join('\n') + '\n');
    const a = await JsonlFileSource.open(join(dir, 'a.jsonl'), OPTS);
    const b = await JsonlFileSource.open(join(dir, 'b.jsonl'), OPTS);
    expect(a.id).toBe(b.id);
    const readA = await read(join(dir, 'a.jsonl'));
    const readB = await read(join(dir, 'b.jsonl'), await readA.batches.at(-1)!.resumeFrom());
    expect(readB.values).toHaveLength(4000); // from the start: the log deduplicates the shared head
  });

  it('does not resume past a last line without a newline (the file may still be written)', async () => {
    const path = join(tempDir('jsonl-growing'), 'g.jsonl');
    writeFileSync(path, `${line(1)}\n${line(2).slice(0, 30)}`);
    const first = await read(path);
    expect(first.batches.flatMap((b) => b.records.map((r) => r.error))).toEqual([undefined, expect.stringMatching(/invalid JSON/)]);
    appendFileSync(path, `${line(2).slice(30)}\n${line(3)}\n`);
    const next = await read(path, await first.batches.at(-1)!.resumeFrom());
    expect(next.values.map((v) => (v as { n: number }).n)).toEqual([2, 3]);
  });

  it('hands over the exact JSON text, also of large lines across many read chunks', async () => {
    const path = join(tempDir('jsonl-large'), 'large.jsonl');
    const big = (i: number) => JSON.stringify({ n: i, pad: String(i % 10).repeat(600_000) });
    writeFileSync(path, Array.from({ length: 40 }, (_, i) => big(i)).join('\n') + '\n');
    const source = await JsonlFileSource.open(path, OPTS);
    let seen = 0;
    for await (const batch of source.batches()) {
      for (const r of batch.records) {
        expect(r.json).toBe(big(seen));
        seen++;
      }
    }
    expect(seen).toBe(40);
  });

  it('skips a UTF-8 byte-order mark at the start of the file', async () => {
    const path = join(tempDir('jsonl-bom'), 'bom.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${line(1)}\n`)]));
    const { batches } = await read(path);
    expect(batches[0]!.records[0]!.error).toBeUndefined();
  });
});
