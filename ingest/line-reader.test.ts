import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { readLines, type Line } from './line-reader.js';

async function all(path: string, from = 0, maxLineBytes = 1000, keepBytes = 20): Promise<Line[]> {
  const out: Line[] = [];
  for await (const lines of readLines(path, { from, maxLineBytes, keepBytes, linesPerYield: 2 })) out.push(...lines);
  return out;
}

function file(content: Buffer | string): string {
  const path = join(tempDir('lines'), 'f.jsonl');
  writeFileSync(path, content);
  return path;
}

describe('readLines', () => {
  it('gives byte positions, skips blank lines, strips CR, keeps a last line without newline', async () => {
    const lines = await all(file('ab\r\n\n  \ncdé\nlast'));
    expect(lines.map((l) => [l.text, l.start, l.end])).toEqual([
      ['ab', 0, 4],
      ['cdé', 8, 13],
      ['last', 13, 17],
    ]);
  });

  it('resumes from a byte offset', async () => {
    const lines = await all(file('one\ntwo\nthree\n'), 4);
    expect(lines.map((l) => l.text)).toEqual(['two', 'three']);
  });

  it('reports an over-long line with its prefix and size without keeping it whole, and goes on', async () => {
    const long = 'x'.repeat(10_000_000);
    const lines = await all(file(`a\n${long}\nb\n`), 0, 1 << 20, 16);
    expect(lines).toHaveLength(3);
    expect(lines[1]!.problem).toMatch(/10000000 bytes exceeds the limit/);
    expect(lines[1]!.text).toBe('x'.repeat(16));
    expect(lines[2]!.text).toBe('b');
    expect(lines[2]!.start).toBe(2 + 10_000_001);
  });

  it('reports invalid UTF-8 with its position instead of replacing it', async () => {
    const lines = await all(file(Buffer.concat([Buffer.from('ok\n{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\nfine €\n')])));
    expect(lines.map((l) => l.problem)).toEqual([undefined, 'invalid UTF-8 at byte 6 of the line', undefined]);
    expect(lines[2]!.text).toBe('fine €');
  });

  it('joins lines that span read chunks', async () => {
    const line = 'y'.repeat(3_000_000);
    const lines = await all(file(`${line}\n${line}\n`), 0, 4_000_000);
    expect(lines.map((l) => l.bytes)).toEqual([3_000_000, 3_000_000]);
    expect(lines[1]!.start).toBe(3_000_001);
  });
});
