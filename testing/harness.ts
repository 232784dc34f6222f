/** Test support: temporary data dirs, running the CLI as a real process, and comparing stores. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInputs } from '../cli/inputs.js';
import { openStore } from '../cli/open-store.js';
import { EmbeddedPipeline, type RunSummary } from '../runtime/embedded-pipeline.js';
import { loadConfig, type Config } from '../config/config.js';
import type { ChdbStore } from '../store/chdb-store.js';
import type { Store } from '../store/store.js';
import { Checkpoints } from '../store/checkpoints.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A JSON-lines file as values. */
export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Temporary directories made by this test file (removed after it: testing/remove-temp-dirs.ts). */
const madeDirs: string[] = [];

/** A new directory under the system's temporary directory, removed once the test file is done (KEEP_TEST_DIRS=1 keeps it). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ledgerline-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

/** Removes the directories `tempDir` made (a test run otherwise leaves gigabytes of stores behind). */
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({}, overrides);
}

/** Runs input files (as `ledgerline run --input` takes them) through the embedded pipeline into `store`. */
export async function runInputs(store: ChdbStore, config: Config, inputs: readonly string[]): Promise<RunSummary> {
  return new EmbeddedPipeline(store, config).run(await openInputs(inputs, config));
}

export async function withStore<T>(dataDir: string, fn: (store: ChdbStore) => Promise<T>): Promise<T> {
  const store = await openStore(testConfig(), dataDir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Starts the CLI (TypeScript through tsx) as a child process. */
export function startCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * What a table holds, as seen through FINAL, without wall-clock columns (when a row was received
 * differs between two runs; what it says must not).
 */
const COMPARABLE: Record<string, string> = {
  events: 'log_offset, event_id, type, company, occurred_at, source_id, position, payload',
  dead_letters: 'source_id, source_name, position, reason, raw, raw_bytes, raw_sha256',
  products: '*',
  locations: '*',
  partners: '*',
  ledger_movements: '*',
  ledger_reservations: '*',
  ledger_positions: '*',
  sales_line_outcomes: '*',
  purchase_line_outcomes: '*',
  count_outcomes: '*',
  bill_line_outcomes: '*',
  anomaly_scores: '*',
};

type Fingerprint = { rows: number; hash: string };

/** Row count and an order-independent hash of `columns` over the rows of `table` (through FINAL when asked). */
async function fingerprint(store: Store, table: string, columns: string, final: boolean): Promise<Fingerprint> {
  const [row] = await store.query<Fingerprint>(
    `SELECT count() AS rows, toString(sum(cityHash64(formatRowNoNewline('TSV', ${columns})))) AS hash FROM (SELECT * FROM ${table} ${final ? 'FINAL' : ''})`,
  );
  return row!;
}

/** Per table: row count and an order-independent hash of the rows. */
export async function tableFingerprints(store: ChdbStore): Promise<Record<string, Fingerprint>> {
  const out: Record<string, Fingerprint> = {};
  // The log is a plain MergeTree (nothing to collapse): a row written twice shows in the count.
  for (const [table, columns] of Object.entries(COMPARABLE)) out[table] = await fingerprint(store, table, columns, table !== 'events');
  const checkpoints = [...(await new Checkpoints(store).withPrefix(''))].sort(([a], [b]) => (a < b ? -1 : 1));
  out.checkpoints = { rows: checkpoints.length, hash: JSON.stringify(checkpoints) };
  return out;
}

/** Output tables whose content two modes (embedded, Kafka) must agree on; their positions differ. */
const OUTPUT_TABLES = Object.keys(COMPARABLE).filter((t) => t !== 'events' && t !== 'dead_letters');

/**
 * Per output table: row count and an order-independent hash of what the rows say, through FINAL,
 * without the input positions (`log_offset`, `first_offset`: the embedded log's offsets and Kafka's
 * per-partition ones differ).
 */
export async function outputFingerprints(store: Store): Promise<Record<string, Fingerprint>> {
  const out: Record<string, Fingerprint> = {};
  for (const table of OUTPUT_TABLES) {
    const columns = await store.query<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND name NOT IN ('log_offset', 'first_offset') AND default_kind != 'MATERIALIZED' ORDER BY position",
      { table },
    );
    out[table] = await fingerprint(store, table, columns.map((c) => c.name).join(', '), true);
  }
  return out;
}
