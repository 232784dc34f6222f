/**
 * Key → partition. FNV-1a over UTF-16 code units: fast, stable across processes and versions (the
 * partition of a key must never change while state is stored under it).
 */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
