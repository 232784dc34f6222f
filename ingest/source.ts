/**
 * A source turns outside input into candidate records. It does not validate events (that is
 * `events/validate.ts`, shared by every source); it only parses its own format and says where each
 * record sits, so a bad record can be dead-lettered with its position and a restart can resume.
 */

/**
 * Records a file source hands over at a time. Small on purpose: parsed events flow on to the
 * processors right away and die young (cheap garbage collection); writes are batched further on.
 */
export const RECORDS_PER_READ = 1000;

/** One record as read: either a parsed value to validate, or the reason it could not be parsed. */
export interface SourceRecord {
  /** Where the record starts in the source (byte offset for files): unique within the source. */
  position: number;
  /** The raw text, possibly cut to a bounded prefix for huge records (see `rawBytes`). */
  raw: string;
  /** The record's exact JSON text, when the source reads JSON: the log stores it as received instead of serializing the value again. */
  json?: string;
  /** `json` is ASCII without backslash, tab or carriage return (it goes into a TSV row as it is). */
  plain?: boolean;
  /** SHA-256 of the whole raw record, when `raw` is only a prefix of it. */
  rawSha256?: string;
  /** Size of the whole raw record in bytes. */
  rawBytes: number;
  /** The parsed value, when parsing worked. */
  value?: unknown;
  /** Why the record could not be parsed (then `value` is absent). */
  error?: string;
}

/** A bounded group of records plus the position to resume from once they are durable. */
export interface SourceBatch {
  records: SourceRecord[];
  /**
   * The opaque resume position after the last record of this batch, made on demand: a file source
   * hashes the bytes before the position to make it, and only the positions that get checkpointed
   * need that (measured ~1 s of 20 when every 1000-record batch paid it).
   */
  resumeFrom(): Promise<string>;
  /** Bytes (or records) read so far and the total when known, for progress. */
  progress: { done: number; total?: number };
}

export interface Source {
  /** Stable identity of the input for checkpoints and dead letters (e.g. a content fingerprint). */
  readonly id: string;
  /** Human-readable name (a path). */
  readonly name: string;
  /** Reads from `resumeFrom` (a `SourceBatch.resumeFrom` value) or from the start. */
  batches(resumeFrom?: string): AsyncIterable<SourceBatch>;
}
