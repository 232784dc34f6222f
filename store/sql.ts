/** A ClickHouse string literal: backslash and quote escaped, everything else as is. */
export function sqlString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
