import { describe, expect, it } from 'vitest';
import { EXAMPLES } from './examples.js';
import { eventsDocText, jsonSchemaText } from './json-schema.js';
import { readFileSync } from 'node:fs';
import { EVENT_TYPES } from './schema.js';
import { isValidInstant, validateEvent } from './validate.js';

const NOW = '2025-06-01T00:00:00.000Z';
const clone = <T>(v: T): T => structuredClone(v);

describe('validateEvent', () => {
  it('accepts the documented example of every type', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
    for (const example of Object.values(EXAMPLES)) {
      const result = validateEvent(clone(example), NOW);
      expect(result, example.type).toMatchObject({ ok: true });
    }
  });

  it('computes event_id and schema_version when absent, and keeps ingested_at', () => {
    const { event_id, schema_version, ...bare } = clone(EXAMPLES.stock_move);
    const result = validateEvent(bare, NOW);
    expect(result.ok && result.event.event_id).toBe(event_id);
    expect(result.ok && result.event.schema_version).toBe(schema_version);
    expect(result.ok && result.event.ingested_at).toBe(NOW);
  });

  const bad: Array<[string, (e: Record<string, unknown>) => unknown, RegExp]> = [
    ['not an object', () => [1, 2], /not a JSON object/],
    ['no type', (e) => ({ ...e, type: undefined }), /missing field "type"/],
    ['unknown type', (e) => ({ ...e, type: 'teleport' }), /unknown event type "teleport"/],
    ['missing field', (e) => ({ ...e, sku: undefined }), /stock_move: \/sku/],
    ['wrong type', (e) => ({ ...e, qty: '12' }), /\/qty: Expected number/],
    ['negative quantity', (e) => ({ ...e, qty: -5 }), /\/qty/],
    ['zero move quantity', (e) => ({ ...e, qty: 0 }), /\/qty/],
    ['absurd quantity', (e) => ({ ...e, qty: 1e12 }), /\/qty/],
    ['impossible date', (e) => ({ ...e, occurred_at: '2025-02-30T10:00:00Z' }), /\/occurred_at/],
    ['date without zone', (e) => ({ ...e, occurred_at: '2025-02-03T10:00:00' }), /\/occurred_at/],
    ['year typo', (e) => ({ ...e, occurred_at: '0025-02-03T10:00:00Z' }), /\/occurred_at/],
    ['extra field', (e) => ({ ...e, colour: 'red' }), /Unexpected property/],
    ['bad usage', (e) => ({ ...e, to_usage: 'warehouse' }), /\/to_usage/],
    ['move to itself', (e) => ({ ...e, to_location: e.from_location, to_usage: 'internal', to_warehouse: 'WH1' }), /to itself/],
    ['internal side without warehouse', (e) => ({ ...e, from_warehouse: null }), /must belong to a warehouse/],
    ['forged event_id', (e) => ({ ...e, event_id: 'x' }), /does not match/],
    ['NaN-like', (e) => ({ ...e, version: 1.5 }), /\/version/],
  ];
  for (const [name, mutate, reason] of bad) {
    it(`rejects ${name} with a reason`, () => {
      const result = validateEvent(mutate(clone(EXAMPLES.stock_move) as unknown as Record<string, unknown>), NOW);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(reason);
    });
  }

  it('checks calendar instants strictly', () => {
    expect(isValidInstant('2024-02-29T23:59:59.999Z')).toBe(true);
    expect(isValidInstant('2025-06-01T10:00:00+02:00')).toBe(true);
    expect(isValidInstant('2023-02-29T00:00:00Z')).toBe(false);
    expect(isValidInstant('2025-06-01T24:00:00Z')).toBe(false);
    expect(isValidInstant('2025-06-01')).toBe(false);
  });
});

describe('generated schema and docs', () => {
  it('schema/events.schema.json and docs/events.md match events/schema.ts (run `npm run gen` after changing it)', () => {
    expect(readFileSync(new URL('../schema/events.schema.json', import.meta.url), 'utf8')).toBe(jsonSchemaText());
    expect(readFileSync(new URL('../docs/events.md', import.meta.url), 'utf8')).toBe(eventsDocText());
  });
});
