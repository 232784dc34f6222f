import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';

/** Migrations are SQL files applied once each, in name order; statements end with `;` at a line end. */
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(store: Store, dir = MIGRATIONS_DIR): Promise<string[]> {
  await store.command(
    `CREATE TABLE IF NOT EXISTS schema_migrations (name String, applied_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree ORDER BY name`,
  );
  const applied = new Set((await store.query<{ name: string }>('SELECT name FROM schema_migrations FINAL')).map((r) => r.name));
  const files = (await readdir(await migrationsDir(dir))).filter((f) => f.endsWith('.sql')).sort();
  const done: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = await readFile(join(await migrationsDir(dir), file), 'utf8');
    for (const statement of splitStatements(sql)) await store.command(statement);
    await store.insert('schema_migrations', [{ name: file, applied_at: new Date().toISOString() }]);
    done.push(file);
  }
  return done;
}

/** Compiled code runs from dist/store; the SQL files stay in store/migrations. */
async function migrationsDir(dir: string): Promise<string> {
  try {
    await readdir(dir);
    return dir;
  } catch {
    return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'store', 'migrations');
  }
}

export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
