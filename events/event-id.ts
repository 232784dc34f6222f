import type { EventType } from './schema.js';

/**
 * The deterministic identity of an event: the same record at the same version always gets the same
 * id, so a replay, a re-read file or a redelivered message deduplicates instead of counting twice.
 * Readable on purpose: an operator can tell from the id where an event came from.
 */
export function eventId(source: string, type: EventType, recordId: string, version: number): string {
  return `${source}/${type}/${recordId}@${version}`;
}
