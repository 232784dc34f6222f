import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forecastCommand } from '../../cli/forecast-command.js';
import { UsageError } from '../../cli/errors.js';
import { parseDay, readSeriesCsv } from './series-csv.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledgerline-forecast-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Runs the command in this process, capturing stderr and stdout. */
async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  try {
    return { code: await forecastCommand(args), stderr, stdout };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

function days(n: number, id: string, value: (t: number) => number, start = Date.UTC(2025, 0, 1)): string[] {
  return Array.from({ length: n }, (_, t) => `${id},${new Date(start + t * 86_400_000).toISOString().slice(0, 10)},${value(t)}`);
}

describe('series CSV', () => {
  it('parses days and instants with a zone, refuses the rest', () => {
    expect(parseDay('2025-03-01')).toBe(Date.UTC(2025, 2, 1));
    expect(parseDay('2025-03-01T23:30:00+02:00')).toBe(Date.UTC(2025, 2, 1));
    expect(parseDay('2025-03-01T23:30:00Z')).toBe(Date.UTC(2025, 2, 1));
    expect(parseDay('2025-02-30')).toBeNaN();
    expect(parseDay('2025-03-01T10:00:00')).toBeNaN();
    expect(parseDay('yesterday')).toBeNaN();
  });

  it('sorts, sums duplicates, fills gaps with 0 and says so', async () => {
    const path = await file('messy.csv', ['id,ts,value', 'a,2025-01-03,3', 'a,2025-01-01,1', 'a,2025-01-01,2', 'a,2025-01-08,8', ...days(7, 'b', () => 1)].join('\n'));
    const { series, rows, notes } = await readSeriesCsv(path, { timestampCol: 'ts', valueCol: 'value', idCol: 'id', idRequired: true });
    expect(rows).toBe(11);
    expect(series.map((s) => s.id)).toEqual(['a', 'b']);
    expect(series[0]!.values).toEqual([3, 0, 3, 0, 0, 0, 0, 8]);
    expect(notes.join('\n')).toMatch(/1 series had rows out of date order; sorted/);
    expect(notes.join('\n')).toMatch(/1 rows repeated a series and day already seen; their values were summed/);
    expect(notes.join('\n')).toMatch(/5 missing days in 1 series were filled with 0/);
  });
});

describe('ledgerline forecast', () => {
  it('writes id, timestamp, mean, lower, upper, method for every series and day ahead', async () => {
    const weekly = [2, 12, 11, 11, 11, 10, 3];
    // Columns in another order, and an id that needs CSV quoting.
    const rows = days(70, 'x', (t) => weekly[t % 7]!).map((l) => `${l.slice(2)},"A,1"`);
    const input = await file('good.csv', ['ts,value,sku', ...rows].join('\n'));
    const out = join(dir, 'good-out.csv');
    const r = await run(['--input', input, '--id-col', 'sku', '--horizon', '3', '--level', '0.9', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ series: 1, rows: 3, horizon: 3, level: 0.9 });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,timestamp,mean,lower,upper,method');
    expect(lines).toHaveLength(4);
    // 70 days from 2025-01-01 end on 2025-03-11; the ids keep their CSV quoting.
    expect(lines[1]).toMatch(/^"A,1",2025-03-12,[\d.]+,[\d.]+,[\d.]+,seasonal-ets$/);
    expect(lines[3]).toMatch(/^"A,1",2025-03-14,/);
    for (const line of lines.slice(1)) {
      const [mean, lower, upper] = line.split(',').slice(3, 6).map(Number);
      expect(lower! <= mean! && mean! <= upper! && lower! >= 0).toBe(true);
    }
  });

  it('a file without an id column is one series', async () => {
    const input = await file('single.csv', ['ts,value', ...days(30, '', (t) => t % 3).map((l) => l.slice(1))].join('\n'));
    const out = join(dir, 'single-out.csv');
    expect((await run(['--input', input, '--horizon', '2', '--out', out, '--method', 'seasonal-naive'])).code).toBe(0);
    expect((await readFile(out, 'utf8')).split('\n')[1]).toMatch(/^series,2025-01-31,/);
  });

  it.each([
    ['non-numeric value', ['id,ts,value', 'a,2025-01-01,3', 'a,2025-01-02,lots'], /line 3: "lots" in column "value" is not a number/],
    ['empty value', ['id,ts,value', 'a,2025-01-01,'], /line 2: "" in column "value" is not a number/],
    ['bad date', ['id,ts,value', 'a,01/02/2025,3'], /line 2: "01\/02\/2025" in column "ts" is not a date/],
    ['missing column', ['id,date,value', 'a,2025-01-01,3'], /no timestamp column "ts" \(--timestamp-col\) in the header \(columns: "id", "date", "value"\)/],
    ['ragged row', ['id,ts,value', 'a,2025-01-01'], /not a well-formed CSV: .*(Invalid Record Length|record length)/i],
    ['single row', ['id,ts,value', 'a,2025-01-01,3'], /no series has at least 7 days/],
    ['header only', ['id,ts,value'], /has a header but no rows/],
    ['empty file', [''], /is empty; expected a header row/],
  ])('%s: exit 1 with the reason, no stack', async (_name, lines, message) => {
    const input = await file(`bad-${_name.replace(/ /g, '-')}.csv`, lines.join('\n'));
    const r = await run(['--input', input, '--id-col', 'id', '--horizon', '7', '--out', join(dir, 'never.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unwritable --out or a series too short for a global model: exit 1 with the reason', async () => {
    const input = await file('ten-days.csv', ['id,ts,value', ...days(10, 'a', (t) => t % 3)].join('\n'));
    const unwritable = await run(['--input', input, '--horizon', '2', '--out', join(dir, 'no-such-dir', 'x.csv')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/cannot write .*no-such-dir.*ENOENT.*check that the directory exists/);
    const global = await run(['--input', input, '--horizon', '2', '--method', 'global-tfjs', '--out', join(dir, 'global.csv')]);
    expect(global.code).toBe(1);
    expect(global.stderr).toMatch(/^ledgerline forecast: global model: only 0 training days across 1 series; it needs series longer than 30 days/);
  });

  it('bad flags are usage errors', async () => {
    await expect(run(['--horizon', '7', '--out', 'x.csv'])).rejects.toThrow(UsageError);
    await expect(run(['--input', 'x.csv', '--horizon', '0', '--out', 'y.csv'])).rejects.toThrow(/horizon 0: must be a whole number/);
    await expect(run(['--input', 'x.csv', '--horizon', '7', '--level', '95', '--out', 'y.csv'])).rejects.toThrow(/level 95/);
    await expect(run(['--input', 'x.csv', '--horizon', '7', '--method', 'prophet', '--out', 'y.csv'])).rejects.toThrow(/--method prophet: use one of auto/);
    const missing = await run(['--input', join(dir, 'nope.csv'), '--horizon', '7', '--out', 'y.csv']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('through the real binary: exit 2 with usage for a bad flag, exit 1 with one line for bad data', async () => {
    const bad = await file('bin-bad.csv', 'id,ts,value\na,2025-01-01,x\n');
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'forecast', ...args], { cwd: join(import.meta.dirname, '../..') }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    const usage = await cli(['--input', bad, '--out', join(dir, 'o.csv')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--horizon DAYS is required[\s\S]*usage:/);
    const data = await cli(['--input', bad, '--horizon', '7', '--out', join(dir, 'o.csv')]);
    expect(data.code).toBe(1);
    expect(data.stderr.trim()).toMatch(/^ledgerline forecast: .*line 2: "x" in column "value" is not a number/);
    expect(data.stderr.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
