/**
 * Test support for the generator's truth tests: the small steps of an independent fold of
 * events.jsonl (without the simulation) that every one of them repeats.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErpEvent } from '../../events/schema.js';

/** The non-empty lines of `dir`/events.jsonl, in file order. */
export function eventLines(dir: string): string[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

/**
 * The events of `lines` in file order, each event_id once (its first delivery); `onRedelivery` is
 * called with each repeat that is dropped.
 */
export function* distinctEvents(lines: Iterable<string>, onRedelivery?: (e: ErpEvent) => void): Generator<ErpEvent> {
  const seen = new Set<string>();
  for (const line of lines) {
    const e = JSON.parse(line) as ErpEvent;
    if (seen.has(e.event_id)) {
      onRedelivery?.(e);
      continue;
    }
    seen.add(e.event_id);
    yield e;
  }
}

/** Keeps `e` at `key` unless the entry there has a higher or equal version; returns that previous entry. */
export function keepLatest<K, E extends { version: number }>(map: Map<K, E>, key: K, e: E): E | undefined {
  const prev = map.get(key);
  if (!prev || prev.version < e.version) map.set(key, e);
  return prev;
}

/** Appends `value` to the list at `key`. */
export function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Compares by occurred_at (ISO instants, so string order is time order); equal instants are 0. */
export function byOccurredAt(a: { occurred_at: string }, b: { occurred_at: string }): number {
  return a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0;
}

/** N of an id `kind:N`. */
export const idNo = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));

/** Rows as the JSON-lines text writeDataset writes for them. */
export const jsonLines = (rows: Iterable<object>) => [...rows].map((r) => `${JSON.stringify(r)}\n`).join('');
