/**
 * Validation of untrusted input into the event union. This is the only place the pipeline checks
 * shapes; everything downstream trusts the static types.
 */
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { EVENT_SCHEMAS, SCHEMA_VERSION, type ErpEvent, type EventType } from './schema.js';
import { eventId } from './event-id.js';

/** Business dates outside this range are typos (year 0024, 20244), not history or plans. */
const MIN_YEAR = 1990;
const MAX_YEAR = 2100;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two or four ASCII digits at `i` as a number (the shape is already checked by the pattern). */
const digits = (s: string, i: number, n: number) => {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + (s.charCodeAt(k) - 48);
  return v;
};

/** A real calendar instant with an explicit zone: rejects 2024-02-30, 25:00, a missing offset. Hot path: no Date. */
export function isValidInstant(value: string): boolean {
  if (!ISO_INSTANT.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  if (digits(value, 11, 2) > 23 || digits(value, 14, 2) > 59 || digits(value, 17, 2) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

FormatRegistry.Set('date-time', isValidInstant);

const checks = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as { [K in EventType]: TypeCheck<(typeof EVENT_SCHEMAS)[K]> };

export type Validation = { ok: true; event: ErpEvent } | { ok: false; reason: string };

/**
 * Checks one parsed JSON value. `event_id` and `schema_version` may be omitted by a source (they
 * are filled in); when present they must agree with the record, so that dedup can trust the id.
 */
export function validateEvent(value: unknown, ingestedAt: string): Validation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const candidate = value as Record<string, unknown>;
  const type = candidate.type;
  if (typeof type !== 'string') return { ok: false, reason: 'missing field "type"' };
  if (!Object.hasOwn(checks, type)) {
    return { ok: false, reason: `unknown event type "${type.slice(0, 80)}" (known: ${Object.keys(checks).join(', ')})` };
  }
  candidate.schema_version ??= SCHEMA_VERSION;
  candidate.ingested_at ??= ingestedAt;
  const computedId =
    typeof candidate.source === 'string' && typeof candidate.record_id === 'string' && typeof candidate.version === 'number'
      ? eventId(candidate.source, type as EventType, candidate.record_id, candidate.version)
      : undefined;
  candidate.event_id ??= computedId ?? '?';

  const check = checks[type as EventType];
  if (!check.Check(candidate)) {
    const first = check.Errors(candidate).First();
    const path = first?.path || '/';
    return { ok: false, reason: `${type}: ${path}: ${first?.message ?? 'invalid'}${describeValue(first?.value)}` };
  }
  if (candidate.event_id !== computedId) {
    return { ok: false, reason: `event_id "${String(candidate.event_id).slice(0, 120)}" does not match source/type/record_id@version "${computedId}"` };
  }
  const semantic = semanticError(candidate as ErpEvent);
  return semantic ? { ok: false, reason: `${type}: ${semantic}` } : { ok: true, event: candidate as ErpEvent };
}

function describeValue(v: unknown): string {
  if (v === undefined) return '';
  const text = JSON.stringify(v) ?? String(v);
  return ` (got ${text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}

/** Rules the JSON Schema cannot express. */
function semanticError(e: ErpEvent): string | undefined {
  switch (e.type) {
    case 'stock_move':
      if (e.from_location === e.to_location) return `move ${e.move_id} goes from ${e.from_location} to itself`;
      for (const side of ['from', 'to'] as const) {
        const usage = e[`${side}_usage`];
        const holdsStock = usage === 'internal' || usage === 'transit';
        if (holdsStock && e[`${side}_warehouse`] === null) {
          return `/${side}_warehouse: an ${usage} location must belong to a warehouse (location ${e[`${side}_location`]})`;
        }
        if (usage === 'view') return `/${side}_usage: stock cannot move through a view location (${e[`${side}_location`]})`;
      }
      return undefined;
    case 'location':
      if (e.quarantine && e.usage !== 'internal') return `/quarantine: only internal locations can hold quarantined stock (usage ${e.usage})`;
      return undefined;
    default:
      return undefined;
  }
}
