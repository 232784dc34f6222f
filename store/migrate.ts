import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';

/**
 * Migrations are SQL files in store/migrations, applied once each in name order; statements end
 * with `;` at a line end. Compiled code runs from dist/store, so the files are looked for there
 * and then two levels up.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const MIGRATION_DIRS = [join(HERE, 'migrations'), join(HERE, '..', '..', 'store', 'migrations')];

export async function migrate(store: Store): Promise<string[]> {
  await store.command(
    `CREATE TABLE IF NOT EXISTS schema_migrations (name String, applied_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree ORDER BY name`,
  );
  const applied = await appliedMigrations(store);
  const { dir, files } = await migrationFiles();
  const done: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = await readFile(join(dir, file), 'utf8');
    for (const statement of splitStatements(sql)) await store.command(statement);
    await store.insert('schema_migrations', [{ name: file, applied_at: new Date().toISOString() }]);
    done.push(file);
  }
  return done;
}

async function appliedMigrations(store: Store): Promise<Set<string>> {
  return new Set((await store.query<{ name: string }>('SELECT name FROM schema_migrations FINAL')).map((r) => r.name));
}

/** The migrations not applied to `store` yet (all of them when it has none), without changing anything. */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const [{ exists = 0 } = {}] = await store.query<{ exists: number }>("SELECT count() AS exists FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'");
  const applied = exists ? await appliedMigrations(store) : new Set<string>();
  return (await migrationFiles()).files.filter((f) => !applied.has(f));
}

async function migrationFiles(): Promise<{ dir: string; files: string[] }> {
  for (const dir of MIGRATION_DIRS) {
    const names = await readdir(dir).catch(() => undefined);
    if (names) return { dir, files: names.filter((f) => f.endsWith('.sql')).sort() };
  }
  throw new Error(`no migrations found (looked in ${MIGRATION_DIRS.join(', ')}): is the package installed whole?`);
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
