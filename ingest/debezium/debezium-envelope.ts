/**
 * One Kafka message of a Debezium PostgreSQL topic → a row change. The value is Debezium's change
 * envelope written by Kafka Connect's JSON converter, with its schema (`{"schema": …, "payload":
 * {before, after, source, op, ts_ms}}`, `value.converter.schemas.enable=true`) or without it (the
 * payload alone). Snapshot rows are `op: r`, then `c`/`u`/`d`; a delete is followed by a tombstone
 * (a null value) for log compaction. A flattened row (the ExtractNewRecordState transform) carries
 * no `op` and no LSN, and is refused: the version of every event is the change's WAL position.
 */
import type { ColumnTypes } from './debezium-values.js';

export type Row = Record<string, unknown>;

export interface RowChange {
  op: 'r' | 'c' | 'u' | 'd';
  /** The PostgreSQL table (`source.table`), e.g. `stock_move`. */
  table: string;
  before: Row | null;
  after: Row | null;
  /**
   * The change's position in PostgreSQL's WAL (`source.lsn`): it grows with every change of a row
   * (writers of one row are serialized by its lock), also between several updates of one row in one
   * transaction, which share the row's write_date. It is the version of the events the change gives.
   */
  lsn: number;
  snapshot: boolean;
  /** Semantic types of the row's columns, when the message has its schema. */
  types: ColumnTypes;
}

export type ParsedMessage =
  | { kind: 'change'; change: RowChange }
  /** The null value after a delete (for compaction): nothing to do. */
  | { kind: 'tombstone' }
  | { kind: 'skip'; reason: string }
  | { kind: 'dead'; reason: string };

const OPS = new Set(['r', 'c', 'u', 'd']);
const SNAPSHOT_FALSE = new Set(['false', 'incremental']);

export function parseMessage(table: string, value: string | null): ParsedMessage {
  if (value === null || value === '') return { kind: 'tombstone' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return { kind: 'dead', reason: `${table}: the message is not JSON (${(e as Error).message}): set value.converter=org.apache.kafka.connect.json.JsonConverter on the connector` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'dead', reason: `${table}: the message is not a JSON object` };
  const withSchema = 'payload' in json && 'schema' in json;
  const envelope = (withSchema ? (json as { payload: unknown }).payload : json) as Record<string, unknown> | null;
  if (envelope === null) return { kind: 'tombstone' };
  const op = envelope.op;
  if (typeof op !== 'string') {
    return {
      kind: 'dead',
      reason: `${table}: not a Debezium change envelope (no "op"; a flattened row from ExtractNewRecordState?): remove the unwrap transform from the connector, Ledgerline reads before/after/source`,
    };
  }
  // Transaction metadata, logical decoding messages and truncates are not row changes.
  if (op === 'm') return { kind: 'skip', reason: 'a logical decoding message' };
  if (op === 't') return { kind: 'dead', reason: `${table}: TRUNCATE is not followed (every row would have to be deleted): take a new snapshot into a new data directory` };
  if (!OPS.has(op)) return { kind: 'dead', reason: `${table}: unknown op ${JSON.stringify(op)} (known: r, c, u, d)` };
  const source = (envelope.source ?? {}) as Record<string, unknown>;
  if (typeof source.table === 'string' && source.table !== table) return { kind: 'dead', reason: `${table}: the message is of table ${source.table}, on the topic of ${table}: check the connector's topic routing` };
  const lsn = Number(source.lsn);
  if (!Number.isSafeInteger(lsn) || lsn <= 0) return { kind: 'dead', reason: `${table}: source.lsn ${JSON.stringify(source.lsn)} is not a WAL position (a PostgreSQL connector's event is needed)` };
  const before = rowOf(envelope.before);
  const after = rowOf(envelope.after);
  if (op !== 'd' && !after) return { kind: 'dead', reason: `${table}: op ${op} without "after"` };
  if (op === 'd' && !before) return { kind: 'dead', reason: `${table}: delete without "before" (the row's key): check REPLICA IDENTITY of the table` };
  const snapshot = source.snapshot === true || (typeof source.snapshot === 'string' && !SNAPSHOT_FALSE.has(source.snapshot));
  return { kind: 'change', change: { op: op as RowChange['op'], table, before, after, lsn, snapshot, types: withSchema ? columnTypes((json as { schema: unknown }).schema, op === 'd' ? 'before' : 'after') : new Map() } };
}

function rowOf(value: unknown): Row | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : null;
}

/** Column → semantic type name (`io.debezium.time.MicroTimestamp`, …) from the envelope's schema. */
function columnTypes(schema: unknown, field: 'before' | 'after'): ColumnTypes {
  const types = new Map<string, string>();
  const fields = (schema as { fields?: Array<{ field?: string; fields?: Array<{ field?: string; name?: string }> }> } | null)?.fields;
  const row = fields?.find((f) => f.field === field);
  for (const column of row?.fields ?? []) if (column.field && column.name) types.set(column.field, column.name);
  return types;
}
