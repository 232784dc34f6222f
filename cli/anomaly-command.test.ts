import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../testing/harness.js';

const dir = tempDir('anomaly-cli');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** Two daily series; series a has one spike on its 31st day. */
function series(): string {
  const rows = ['ts,value,id'];
  for (let i = 0; i < 40; i++) {
    const day = new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10);
    for (const id of ['a', 'b']) rows.push(`${day},${(10 + Math.sin(i) + (id === 'a' && i === 30 ? 50 : 0)).toFixed(3)},${id}`);
  }
  return `${rows.join('\n')}\n`;
}

function parseCsv(text: string): Array<Record<string, string>> {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.split(',');
  // The reasons column is last and the only quoted one.
  return lines.map((l) => {
    const cut = l.split(',', cols.length - 1);
    const rest = l.slice(cut.join(',').length + 1);
    return Object.fromEntries([...cut.map((v, i) => [cols[i]!, v]), [cols.at(-1)!, rest]]);
  });
}

describe('ledgerline anomaly score', () => {
  it('writes one online score per row in [0, 1], with reasons, and ranks the spike first', async () => {
    const input = file('ok.csv', series());
    const out = join(dir, 'ok-scores.csv');
    const run = await runCli(['anomaly', 'score', '--input', input, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 80, series: 2 });
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(80);
    for (const r of rows) {
      expect(Number(r.score)).toBeGreaterThanOrEqual(0);
      expect(Number(r.score)).toBeLessThanOrEqual(1);
    }
    const top = [...rows].sort((x, y) => Number(y.score) - Number(x.score))[0]!;
    expect(top).toMatchObject({ id: 'a', timestamp: '2025-01-31', top_feature: 'level' });
    expect(JSON.parse(JSON.parse(`"${top.reasons!.slice(1, -1).replace(/""/g, '\\"')}"`))[0]).toMatchObject({ feature: 'level', robust_z: expect.any(Number) });
    // Online: the first rows of a series have no history and score 0.
    expect(rows.filter((r) => r.id === 'b').slice(0, 5).map((r) => r.score)).toEqual(['0', '0', '0', '0', '0']);
  });

  it('scores a single row as 0 (no history) rather than failing, and takes file order without a timestamp column', async () => {
    const out = join(dir, 'one.csv');
    const run = await runCli(['anomaly', 'score', '--input', file('one.in.csv', 'value\n42\n'), '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseCsv(readFileSync(out, 'utf8'))).toEqual([expect.objectContaining({ value: '42', score: '0', history: '0' })]);
  });

  it.each([
    ['an empty file', '', /is empty: expected a header row/],
    ['a header only', 'ts,value\n', /has a header but no data rows/],
    ['a missing value column', 'ts,amount\n2025-01-01,1\n', /no value column "value" \(--value-col\); the header has: "ts", "amount"/],
    ['a non-numeric value', 'ts,value\n2025-01-01,1\n2025-01-02,abc\n', /line 3: value "abc" in column "value" is not a number/],
    ['an empty value', 'ts,value\n2025-01-01,1\n2025-01-02,\n', /line 3: value "" in column "value" is not a number/],
    ['a bad timestamp', 'ts,value\nyesterday,1\n', /line 2: timestamp "yesterday" in column "ts" is neither/],
    ['unsorted rows', 'ts,value\n2025-01-02,1\n2025-01-01,2\n', /line 3: timestamp 2025-01-01 is before line 2 \(2025-01-02\); sort the file/],
    ['a duplicate timestamp', 'ts,value,id\n2025-01-01,1,a\n2025-01-01,2,b\n2025-01-01,3,a\n', /line 4: timestamp 2025-01-01 of id "a" repeats line 2/],
    ['ragged CSV', 'ts,value\n2025-01-01,1,9\n', /is not valid CSV/],
  ])('refuses %s with a clear message and exit code 1, leaving no output file', async (name, text, message) => {
    const out = join(dir, `${name.replace(/\W+/g, '-')}.out.csv`);
    const run = await runCli(['anomaly', 'score', '--input', file(`${name.replace(/\W+/g, '-')}.csv`, text), '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a missing file, a missing explicit column and missing flags', async () => {
    const missing = await runCli(['anomaly', 'score', '--input', join(dir, 'nope.csv'), '--out', join(dir, 'x.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file/);
    const noId = await runCli(['anomaly', 'score', '--input', file('noid.csv', 'ts,value\n2025-01-01,1\n'), '--out', join(dir, 'y.csv'), '--id-col', 'sku']);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toMatch(/no id column "sku" \(--id-col\)/);
    const usage = await runCli(['anomaly', 'score', '--input', join(dir, 'ok.csv')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--out FILE\.csv is required/);
    const sub = await runCli(['anomaly', 'train']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).not.toMatch(/\n\s+at /);
  });
});
