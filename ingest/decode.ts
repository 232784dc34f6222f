import { createHash } from 'node:crypto';
import type { ErpEvent } from '../events/schema.js';
import { validateEvent } from '../events/validate.js';
import type { Source, SourceBatch } from './source.js';

/** A record that could not become an event, kept with everything needed to fix and replay it. */
export interface DeadLetter {
  source_id: string;
  source_name: string;
  position: number;
  reason: string;
  raw: string;
  raw_bytes: number;
  raw_sha256: string;
  received_at: string;
}

export interface DecodedEvent {
  event: ErpEvent;
  position: number;
  /** The event's JSON as received, when the source read JSON (the log keeps it). */
  json?: string;
  /** See `SourceRecord.plain`. */
  plain?: boolean;
}

export interface DecodedBatch {
  events: DecodedEvent[];
  deadLetters: DeadLetter[];
}

/** Validates a source batch: every record ends up either as an event or as a dead letter. */
export function decodeBatch(source: Source, batch: SourceBatch, keepRawBytes: number, now = new Date().toISOString()): DecodedBatch {
  const events: DecodedEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of batch.records) {
    let reason = record.error;
    if (reason === undefined) {
      const result = validateEvent(record.value, now);
      if (result.ok) {
        events.push({ event: result.event, position: record.position, json: record.json, plain: record.plain });
        continue;
      }
      reason = result.reason;
    }
    // Sources that hand over values without text (the generator) are serialized only when rejected.
    const text = record.raw || JSON.stringify(record.value) || '';
    const bytes = Buffer.from(text);
    // At most keepRawBytes bytes, cut at a character boundary.
    const raw = bytes.length > keepRawBytes ? new TextDecoder().decode(bytes.subarray(0, keepRawBytes)).replace(/\uFFFD$/, '') : text;
    deadLetters.push({
      source_id: source.id,
      source_name: source.name,
      position: record.position,
      reason,
      raw,
      raw_bytes: record.rawBytes || bytes.length,
      raw_sha256: record.rawSha256 ?? createHash('sha256').update(bytes).digest('hex'),
      received_at: now,
    });
  }
  return { events, deadLetters };
}
