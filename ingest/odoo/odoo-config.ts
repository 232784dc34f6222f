/**
 * The Odoo connection file (`ledgerline odoo --config odoo.json`): where Odoo is, how to log in, what
 * to follow and how hard to poll. Secrets may live in the environment instead (`api_key_env`,
 * `webhook_secret_env`), so the file can be committed. Validated at start with every problem listed.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { POLLED_MODELS } from './odoo-fields.js';

const Seconds = (min: number, max: number, def: number, description: string) => Type.Number({ minimum: min, maximum: max, default: def, description });

export const OdooConfigSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'The Odoo URL, e.g. https://acme.odoo.com (no path).' }),
    db: Type.String({ minLength: 1, description: 'The database name (Odoo.com: the subdomain; on-premise: see /web/database/selector).' }),
    login: Type.Optional(Type.String({ minLength: 1, description: 'The API user\'s login (email). Needed for jsonrpc and session; json2 knows the user from the key.' })),
    api_key: Type.Optional(Type.String({ minLength: 1, description: 'The API key (or, with protocol session, the password). Prefer api_key_env.' })),
    api_key_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the environment variable holding the API key (default ODOO_API_KEY when api_key is absent).' })),
    protocol: Type.Union([Type.Literal('jsonrpc'), Type.Literal('json2'), Type.Literal('session')], {
      default: 'jsonrpc',
      description: 'jsonrpc: /jsonrpc execute_kw with an API key (Odoo 16–19); json2: /json/2 with a bearer key (Odoo 19+); session: /web/session/authenticate with a password.',
    }),
    odoo_version: Type.Optional(Type.Integer({ minimum: 16, maximum: 99, description: 'The Odoo major version; detected from the server when absent.' })),
    source: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^/@]+$', default: 'odoo', description: 'The `source` of every event (e.g. odoo-prod): part of every event id, so keep it once chosen.' }),
    companies: Type.Optional(
      Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.String({ minLength: 1, maxLength: 200 }), {
        description: 'Odoo company id → Ledgerline company code, e.g. {"1": "acme"}. Only these companies are followed; absent: every company the API user can see, named as in Odoo.',
      }),
    ),
    models: Type.Optional(Type.Array(Type.Union(POLLED_MODELS.map((m) => Type.Literal(m))), { minItems: 1, uniqueItems: true, description: 'The models to follow (default: all of them).' })),
    quarantine_locations: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Internal locations (complete names, e.g. WH/Quality) whose stock is held, not available; their child locations too.',
    }),
    page_size: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Records per search_read call.' }),
    poll_seconds: Seconds(1, 86_400, 30, 'Pause between two polls (a webhook notification brings the next poll forward, to at most settle_seconds + 1 s after it).'),
    overlap_seconds: Seconds(
      0,
      86_400,
      120,
      'Each poll reads again the changes of this many seconds before its cursor: write_date is when a transaction started, so one that commits later has a write_date in the past. Covers transactions up to about this long (Odoo stops a request after limit_time_real, 120 s by default); raise it for longer ones (imports, scheduled actions). Re-read records deduplicate, but each is read again from Odoo every poll within it.',
    ),
    settle_seconds: Seconds(0, 3_600, 5, 'Records written in the last seconds are left for the next poll: write_date has whole seconds, and a record changed twice in one second must not be read in between. Also covers clock skew to Odoo.'),
    reconcile_minutes: Seconds(0, 10_080, 60, 'How often deletions are reconciled (ids in Odoo vs ids seen, of the companies followed; a check that fails waits for the next time; 0: never).'),
    rate_per_second: Type.Number({ minimum: 0, maximum: 1000, default: 5, description: 'Requests per second to Odoo at most (0: no limit).' }),
    max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 6, description: 'Attempts per request when Odoo or the network fails passingly (backoff 0.5 s doubling to 30 s).' }),
    timeout_seconds: Seconds(1, 600, 60, 'How long one request may take.'),
    webhook_secret: Type.Optional(Type.String({ minLength: 16, description: 'Shared secret of the webhook receiver (≥ 16 characters). Prefer webhook_secret_env.' })),
    webhook_secret_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the environment variable holding the webhook secret.' })),
  },
  { additionalProperties: false },
);

export type OdooConfigFile = Static<typeof OdooConfigSchema>;

/** The file with defaults applied and secrets resolved. */
export interface OdooConfig extends OdooConfigFile {
  secret: string;
  webhookSecret: string | undefined;
  companyCodes: Map<number, string>;
}

export class OdooConfigError extends Error {
  override name = 'OdooConfigError';
}

export async function loadOdooConfig(path: string, env: Record<string, string | undefined> = process.env): Promise<OdooConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new OdooConfigError(`Odoo config ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); see docs/odoo.md for an example`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new OdooConfigError(`Odoo config ${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseOdooConfig(json, path, env);
}

export function parseOdooConfig(json: unknown, where: string, env: Record<string, string | undefined> = process.env): OdooConfig {
  const withDefaults = Value.Default(OdooConfigSchema, structuredClone(json)) as Record<string, unknown>;
  const problems = [...Value.Errors(OdooConfigSchema, withDefaults)].map((e) => {
    const field = e.path.slice(1) || '(top level)';
    const description = (e.schema as { description?: string }).description;
    return `${field}: ${e.message}${e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}${description ? ` — ${description}` : ''}`;
  });
  if (problems.length) throw new OdooConfigError(`Odoo config ${where} is invalid:\n  ${[...new Set(problems)].join('\n  ')}`);
  const file = withDefaults as OdooConfigFile;
  const keyEnv = file.api_key_env ?? 'ODOO_API_KEY';
  const secret = file.api_key ?? env[keyEnv];
  const more: string[] = [];
  if (!secret) more.push(`no API key: set "api_key_env" to a variable that holds it (now ${keyEnv}, which is ${env[keyEnv] === undefined ? 'not set' : 'empty'}), or "api_key"`);
  if (file.protocol !== 'json2' && !file.login) more.push(`"login" is needed with protocol ${file.protocol} (the API user's email)`);
  if (file.protocol === 'json2' && file.odoo_version !== undefined && file.odoo_version < 19) more.push(`protocol json2 needs Odoo 19 or later (odoo_version is ${file.odoo_version}): use jsonrpc`);
  const webhookSecret = file.webhook_secret ?? (file.webhook_secret_env ? env[file.webhook_secret_env] : undefined);
  if (file.webhook_secret_env && (webhookSecret ?? '').length < 16) more.push(`webhook_secret_env ${file.webhook_secret_env} must hold a secret of at least 16 characters (e.g. openssl rand -hex 32)`);
  if (more.length) throw new OdooConfigError(`Odoo config ${where} is invalid:\n  ${more.join('\n  ')}`);
  const companyCodes = new Map(Object.entries(file.companies ?? {}).map(([id, code]) => [Number(id), code]));
  return { ...file, secret: secret!, webhookSecret, companyCodes };
}

/** Is `completeName` one of the quarantine locations or below one? */
export function quarantineMatcher(locations: readonly string[]): (completeName: string) => boolean {
  return (name) => locations.some((q) => name === q || name.startsWith(`${q}/`));
}
