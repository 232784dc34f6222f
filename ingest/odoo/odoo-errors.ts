/**
 * What can go wrong talking to Odoo, sorted by what the poller should do about it: retry (the
 * server or the network had a moment), re-authenticate (a session expired), or stop and tell the
 * operator (a wrong key, a model that is not installed, a field this Odoo version does not have).
 */

/** Base class: every Odoo failure carries Odoo's own exception name when there is one. */
export class OdooError extends Error {
  override name = 'OdooError';
  constructor(
    message: string,
    /** Odoo's exception class, e.g. `odoo.exceptions.AccessDenied`, when the server said. */
    readonly odooName?: string,
  ) {
    super(message);
  }
}

/** Worth another try after a pause: 429, 5xx, timeouts, refused or reset connections. */
export class OdooTransientError extends OdooError {
  override name = 'OdooTransientError';
  constructor(
    message: string,
    odooName?: string,
    /** Seconds the server asked to wait (Retry-After), if any. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, odooName);
  }
}

/** The key, login or database was refused (odoo.exceptions.AccessDenied, 401): retrying cannot help. */
export class OdooAuthError extends OdooError {
  override name = 'OdooAuthError';
}

/** A web session ended (JSON-RPC error code 100, odoo.http.SessionExpiredException): log in again. */
export class OdooSessionExpiredError extends OdooError {
  override name = 'OdooSessionExpiredError';
}

/** The model does not exist in this database (its module is not installed). */
export class OdooModelMissingError extends OdooError {
  override name = 'OdooModelMissingError';
  constructor(
    readonly model: string,
    message: string,
    odooName?: string,
  ) {
    super(message, odooName);
  }
}

/** A requested field does not exist on the model (renamed between Odoo versions, or a module missing). */
export class OdooFieldError extends OdooError {
  override name = 'OdooFieldError';
  constructor(
    readonly model: string,
    readonly field: string | undefined,
    message: string,
    odooName?: string,
  ) {
    super(message, odooName);
  }
}

/** Any other server-side refusal (a UserError, AccessError on a record rule, a bad domain). */
export class OdooServerError extends OdooError {
  override name = 'OdooServerError';
}

/** The body Odoo sends with an error: JSON-RPC's `error.data`, or the JSON-2 error object. */
export interface OdooErrorData {
  name?: string;
  message?: string;
  arguments?: unknown[];
  debug?: string;
}

/**
 * Classifies an Odoo error (from either protocol) by its exception name and message. The messages
 * matched are Odoo's own: `Invalid field 'x' on model 'y'` (ValueError, search_read/read with an
 * unknown field) and a KeyError naming the model (execute_kw on a model that is not installed).
 */
export function classifyOdooError(data: OdooErrorData, model: string, status?: number): OdooError {
  const name = data.name ?? '';
  const message = data.message ?? (typeof data.arguments?.[0] === 'string' ? (data.arguments[0] as string) : 'Odoo error');
  if (name.endsWith('SessionExpiredException')) return new OdooSessionExpiredError(`Odoo session expired: ${message}`, name);
  if (name.endsWith('AccessDenied') || status === 401 || name.endsWith('Unauthorized')) {
    return new OdooAuthError(
      `Odoo refused the credentials (${name || status}: ${message}): check the database name, the login and the API key (Preferences → Account Security → New API Key); keys expire`,
      name,
    );
  }
  const invalidField = /Invalid field '?([\w.]+)'? on model '?([\w.]+)'?/.exec(message);
  if (invalidField) {
    return new OdooFieldError(
      model,
      invalidField[1],
      `${model} has no field "${invalidField[1]}" on this Odoo (${message}): the field lists are per Odoo version — check "odoo_version" in the config (or leave it out to detect it), or the module that adds the field`,
      name,
    );
  }
  if (name === 'builtins.KeyError' || (status === 404 && message.includes(model))) {
    return new OdooModelMissingError(
      model,
      `Odoo has no model ${model} (${name || status}: ${message}): its module is not installed; remove it from "models" in the config`,
      name,
    );
  }
  if (status !== undefined && (status === 429 || status >= 500) && !name) return new OdooTransientError(`Odoo answered HTTP ${status}: ${message}`, name);
  if (name.includes('SerializationFailure') || name.includes('OperationalError')) return new OdooTransientError(`Odoo had a database conflict (${name}): ${message}`, name);
  return new OdooServerError(`Odoo refused the call on ${model} (${name || `HTTP ${status}`}): ${message}`, name);
}
