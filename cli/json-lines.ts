/** Rows as JSON lines on stdout (nothing at all for no rows). */
export function writeJsonLines(rows: readonly unknown[]): void {
  process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}
