/**
 * Odoo field values as its APIs return them: many2one as `[id, "display name"]` from search_read
 * (a bare id from `read(load=None)`, as webhooks send, or from a database row), `false` for empty,
 * datetimes as "YYYY-MM-DD HH:MM:SS" in UTC without a zone.
 */

export type OdooRecord = Record<string, unknown>;

export function m2oId(value: unknown): number | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'number' ? value[0] : undefined;
  return typeof value === 'number' ? value : undefined;
}

export function m2oName(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : undefined;
}

const ODOO_DATETIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(\.\d+)?)?$/;

/** An Odoo datetime or date (UTC) as an ISO instant with milliseconds, or undefined when it is none. */
export function odooInstant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ODOO_DATETIME.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? ''}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Milliseconds since the epoch of an Odoo datetime (the version of a record, from write_date). */
export function odooMillis(value: unknown): number | undefined {
  const iso = odooInstant(value);
  return iso === undefined ? undefined : Date.parse(iso);
}

/** An instant back in Odoo's format, for domains: "2025-02-05 14:02:11". */
export function toOdooDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
