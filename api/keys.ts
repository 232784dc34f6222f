/**
 * API keys: created with a role, shown once, stored as a hash (store/migrations/011_api_keys.sql),
 * checked on every request, revocable.
 *
 * A key is `llk_<12 hex>_<43 base64url>`: the first part is its public id (listed, logged, used to
 * revoke it), the rest 256 random bits. The recognisable prefix lets logs be redacted reliably and
 * secret scanners find leaked keys.
 *
 * Why SHA-256 and not scrypt/argon2: a slow hash protects guessable secrets (passwords) when the
 * table leaks; a 256-bit random key cannot be guessed, so a fast hash is as safe, and a slow one
 * would cost tens of milliseconds of CPU on every request — on two cores, a denial of service anyone
 * can mount with made-up keys.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ROLES, type Role } from './routes.js';

const KEY = /^(llk_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Any string shaped like a key (or its start), for redaction. */
const KEY_LIKE = /llk_[0-9a-f]{12}_[A-Za-z0-9_-]*/g;

/** How long a checked key's state is trusted: other processes (CLI, API instances) create and revoke keys in the shared store. */
export const KEY_CACHE_MS = 5_000;
/** A key id not in the cache reloads the table at most this often (made-up keys must not become one query each). */
const MISS_RELOAD_MS = 1_000;

export interface ApiKeyRecord {
  id: string;
  role: Role;
  name: string;
  /** The companies the key may see ([]: all). */
  companies: string[];
  /** The warehouses the key may see ([]: all). */
  warehouses: string[];
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

type StoredKey = ApiKeyRecord & { hash: string; seq: number };

export type KeyCheck = { ok: true; key: ApiKeyRecord } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked'; key?: ApiKeyRecord };

export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
}

/** Replaces anything shaped like a key, and whatever follows `Bearer `, with a redaction mark. */
export function redactSecrets(text: string): string {
  return text.replace(KEY_LIKE, (k) => `${k.slice(0, 16)}_[redacted]`).replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The API keys of a store, with a short-lived cache of their state for request checks. */
export class ApiKeys {
  private cache = new Map<string, StoredKey>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  private lastSeq = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A new key for `role`, limited to `scope` (companies, and warehouses within them; none: everything); `key`
   * is the only copy of the secret there will ever be.
   */
  async create(role: string, name: string, createdBy: string, scope: { companies?: readonly string[]; warehouses?: readonly string[] } = {}): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!(ROLES as readonly string[]).includes(role)) throw new ApiKeyError(`unknown role "${role}": one of ${ROLES.join(', ')}`);
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) throw new ApiKeyError('a key needs a name of 1 to 200 characters saying who or what uses it');
    const list = (what: string, values: readonly string[] = []) => {
      const out = [...new Set(values.map((v) => v.trim()))];
      if (out.some((v) => v.length === 0 || v.length > 200)) throw new ApiKeyError(`${what}: each must be 1 to 200 characters`);
      return out.sort();
    };
    const companies = list('companies', scope.companies);
    const warehouses = list('warehouses', scope.warehouses);
    // A key that manages keys could create itself an unlimited one: limits are for data keys.
    if (role === 'admin' && (companies.length || warehouses.length)) throw new ApiKeyError('an admin key cannot be limited to companies or warehouses (it can create keys for any); limit the data roles instead');
    // Warehouse codes are unique per company only (Odoo names every company's first warehouse WH):
    // alone, a warehouse would open that code in every company.
    if (warehouses.length && !companies.length) {
      throw new ApiKeyError(`a key limited to warehouses (${warehouses.join(', ')}) must name their companies too: warehouse codes repeat across companies (every Odoo company's first warehouse is WH)`);
    }
    const id = `llk_${randomBytes(6).toString('hex')}`;
    const key = `${id}_${randomBytes(32).toString('base64url')}`;
    const stored: StoredKey = {
      id,
      hash: sha256(key),
      role: role as Role,
      name: trimmed,
      companies,
      warehouses,
      created_at: new Date(this.now()).toISOString(),
      created_by: createdBy,
      revoked_at: null,
      revoked_by: null,
      seq: await this.nextSeq(),
    };
    await this.write(stored);
    this.cache.set(id, stored);
    return { key, record: publicRecord(stored) };
  }

  /** Every key, newest first, without hashes (read from the store, not the cache). */
  async list(): Promise<ApiKeyRecord[]> {
    await this.reload();
    return [...this.cache.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0)).map(publicRecord);
  }

  /** Revokes key `id` (a key revoked already keeps its first revocation); undefined when there is no such key. */
  async revoke(id: string, revokedBy: string): Promise<ApiKeyRecord | undefined> {
    await this.reload();
    const current = this.cache.get(id);
    if (current === undefined) return undefined;
    if (current.revoked_at !== null) return publicRecord(current);
    const revoked: StoredKey = { ...current, revoked_at: new Date(this.now()).toISOString(), revoked_by: revokedBy, seq: await this.nextSeq() };
    await this.write(revoked);
    this.cache.set(id, revoked);
    return publicRecord(revoked);
  }

  /** Checks a key sent with a request. The hash is compared before revocation is told, so only the key's holder learns it was revoked. */
  async check(key: string): Promise<KeyCheck> {
    const m = KEY.exec(key);
    if (!m) return { ok: false, reason: 'malformed' };
    const id = m[1]!;
    const now = this.now();
    if (now - this.loadedAt > KEY_CACHE_MS || (!this.cache.has(id) && now - this.loadedAt > MISS_RELOAD_MS)) await this.reload();
    const stored = this.cache.get(id);
    if (stored === undefined) return { ok: false, reason: 'unknown' };
    const expected = Buffer.from(stored.hash, 'hex');
    const actual = createHash('sha256').update(key).digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'unknown' };
    if (stored.revoked_at !== null) return { ok: false, reason: 'revoked', key: publicRecord(stored) };
    return { ok: true, key: publicRecord(stored) };
  }

  /** Keys not revoked, per role, as last loaded (for metrics: no store query). */
  activeByRole(): Record<Role, number> {
    const out = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
    for (const k of this.cache.values()) if (k.revoked_at === null && k.role in out) out[k.role]++;
    return out;
  }

  /** One load at a time: concurrent requests with a stale cache wait for the same query. */
  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await this.store.query<Omit<StoredKey, 'seq'> & { seq: string }>(
          `SELECT key_id AS id, hash, role, name, companies, warehouses, formatDateTime(created_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS created_at, created_by,
                  if(isNull(revoked_at), NULL, formatDateTime(assumeNotNull(revoked_at), '%Y-%m-%dT%H:%i:%S.%fZ')) AS revoked_at, revoked_by, toString(seq) AS seq
           FROM api_keys FINAL`,
        );
        this.cache = new Map(rows.map((r) => [r.id, { ...r, seq: Number(r.seq) }]));
        for (const r of this.cache.values()) this.lastSeq = Math.max(this.lastSeq, r.seq);
        this.loadedAt = this.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Above every row seen and the clock: a revocation must replace its key's row, whichever process wrote that. */
  private async nextSeq(): Promise<number> {
    const [row] = await this.store.query<{ top: string }>('SELECT toString(max(seq)) AS top FROM api_keys');
    this.lastSeq = Math.max(this.lastSeq, Number(row?.top ?? 0), this.now() * 1000) + 1;
    return this.lastSeq;
  }

  private async write(k: StoredKey): Promise<void> {
    await this.store.insert('api_keys', [
      { key_id: k.id, hash: k.hash, role: k.role, name: k.name, companies: k.companies, warehouses: k.warehouses, created_at: k.created_at, created_by: k.created_by, revoked_at: k.revoked_at, revoked_by: k.revoked_by, seq: k.seq },
    ]);
  }
}

function publicRecord(k: StoredKey): ApiKeyRecord {
  return { id: k.id, role: k.role, name: k.name, companies: k.companies, warehouses: k.warehouses, created_at: k.created_at, created_by: k.created_by, revoked_at: k.revoked_at, revoked_by: k.revoked_by };
}
