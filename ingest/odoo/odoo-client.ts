/**
 * A client for Odoo's external APIs, the three ways Odoo offers them:
 * - `jsonrpc`: POST /jsonrpc, service `object`, `execute_kw(db, uid, key, model, method, args, kwargs)`
 *   with an API key in place of the password (Odoo 16–19; deprecated from 19 on);
 * - `json2`: POST /json/2/<model>/<method> with `Authorization: bearer <key>` (Odoo 19 and later);
 * - `session`: POST /web/session/authenticate, then /web/dataset/call_kw with the session cookie
 *   (a login and password; sessions expire, and the client logs in again once).
 * Every call waits its turn under a rate limit and is retried with backoff when Odoo or the network
 * had a passing problem; a refused key, a missing model or field is raised at once.
 */
import {
  classifyOdooError,
  OdooAuthError,
  OdooError,
  OdooSessionExpiredError,
  OdooTransientError,
  type OdooErrorData,
} from './odoo-errors.js';

export type OdooProtocol = 'jsonrpc' | 'json2' | 'session';

export interface OdooClientOptions {
  url: string;
  db: string;
  /** The API user's login (jsonrpc, session). */
  login: string;
  /** API key (jsonrpc, json2) or password (session). */
  secret: string;
  protocol: OdooProtocol;
  timeoutMs: number;
  /** Requests per second at most (0: no limit). */
  ratePerSecond: number;
  /** Attempts per call for passing failures (1: no retry). */
  maxAttempts: number;
  /** First backoff pause; it doubles per attempt up to `maxBackoffMs`, with jitter. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Sleep (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

export interface OdooVersion {
  major: number;
  text: string;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts of what the client did, for the poll summary. */
export interface OdooClientStats {
  requests: number;
  retries: number;
  reauthentications: number;
}

export class OdooClient {
  readonly stats: OdooClientStats = { requests: 0, retries: 0, reauthentications: 0 };
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private uid: number | undefined;
  private sessionCookie: string | undefined;
  private nextSlot = 0;
  private rpcId = 0;

  constructor(private readonly o: OdooClientOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.sleep = o.sleep ?? sleepFor;
  }

  get protocol(): OdooProtocol {
    return this.o.protocol;
  }

  /** The server's version: `common.version` over /jsonrpc, or GET /web/version for JSON-2 (no credentials needed). */
  async version(): Promise<OdooVersion> {
    if (this.o.protocol === 'json2') {
      const body = (await this.withRetry('version', () => this.http('GET', '/web/version', undefined, {}))) as { version_info?: unknown[]; version?: string };
      return parseVersion(body.version_info, body.version);
    }
    const result = (await this.withRetry('version', () => this.jsonRpc('/jsonrpc', { service: 'common', method: 'version', args: [] }, 'common'))) as {
      server_version_info?: unknown[];
      server_version?: string;
    };
    return parseVersion(result.server_version_info, result.server_version);
  }

  /**
   * Calls `method` of `model` with keyword arguments. `domain`, when given, travels as the first
   * positional argument over execute_kw: Odoo 16 names it `args` in `search`, later versions `domain`.
   */
  async call<T = unknown>(model: string, method: string, kwargs: Record<string, unknown> = {}): Promise<T> {
    return (await this.withRetry(model, async () => {
      switch (this.o.protocol) {
        case 'json2':
          return this.json2(model, method, kwargs);
        case 'jsonrpc':
          return this.executeKw(model, method, kwargs);
        case 'session':
          return this.callKw(model, method, kwargs);
      }
    })) as T;
  }

  async searchRead<T = Record<string, unknown>>(
    model: string,
    kwargs: { domain: unknown[]; fields: string[]; limit?: number; offset?: number; order?: string; context?: Record<string, unknown> },
  ): Promise<T[]> {
    return this.call<T[]>(model, 'search_read', kwargs);
  }

  async search(model: string, kwargs: { domain: unknown[]; context?: Record<string, unknown>; order?: string; limit?: number; offset?: number }): Promise<number[]> {
    return this.call<number[]>(model, 'search', kwargs);
  }

  private async withRetry(model: string, attempt: () => Promise<unknown>): Promise<unknown> {
    let reauthenticated = false;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        if (e instanceof OdooSessionExpiredError && !reauthenticated && this.o.protocol !== 'json2') {
          // A session (or, on jsonrpc, nothing) to renew: one fresh login, then the same call again.
          reauthenticated = true;
          this.uid = undefined;
          this.sessionCookie = undefined;
          this.stats.reauthentications++;
          n--;
          continue;
        }
        const transient = e instanceof OdooTransientError ? e : networkFailure(e, this.base);
        if (!transient || n >= this.o.maxAttempts) {
          if (transient) throw new OdooTransientError(`${transient.message} (gave up on ${model} after ${n} attempts)`, transient.odooName);
          throw e;
        }
        this.stats.retries++;
        const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (n - 1));
        const wait = Math.max(transient.retryAfterSeconds !== undefined ? transient.retryAfterSeconds * 1000 : 0, backoff * (0.5 + Math.random() / 2));
        await this.sleep(wait);
      }
    }
  }

  /** Waits for the next request slot (an even spacing: Odoo.sh throttles bursts per IP). */
  private async slot(): Promise<void> {
    if (this.o.ratePerSecond <= 0) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / this.o.ratePerSecond;
    if (at > now) await this.sleep(at - now);
  }

  private async http(method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
    await this.slot();
    this.stats.requests++;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'User-Agent': 'ledgerline-odoo-poller', ...(body !== undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    const text = await response.text();
    if (response.headers.get('set-cookie')) this.rememberCookie(response.headers.getSetCookie());
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (response.status === 429 || response.status >= 500) throw new OdooTransientError(`Odoo answered HTTP ${response.status} (${text.slice(0, 120)})`, undefined, retryAfter(response));
      throw new OdooError(`Odoo answered HTTP ${response.status} with a body that is not JSON (${text.slice(0, 120)}): is ${this.base} the Odoo URL?`);
    }
    if (!response.ok) {
      if (response.status === 429 || response.status === 502 || response.status === 503 || response.status === 504) {
        throw new OdooTransientError(`Odoo answered HTTP ${response.status}`, undefined, retryAfter(response));
      }
      // JSON-2 errors are the exception object itself, with a proper status.
      throw classifyOdooError((json ?? {}) as OdooErrorData, path.split('/')[3] ?? path, response.status);
    }
    return json;
  }

  private async jsonRpc(path: string, params: unknown, model: string): Promise<unknown> {
    const reply = (await this.http('POST', path, { jsonrpc: '2.0', method: 'call', params, id: ++this.rpcId }, this.sessionCookie ? { Cookie: this.sessionCookie } : {})) as {
      result?: unknown;
      error?: { code?: number; message?: string; data?: OdooErrorData };
    };
    if (reply?.error) {
      const { code, message, data } = reply.error;
      if (code === 100) throw new OdooSessionExpiredError(`Odoo session expired (${data?.message ?? message})`, data?.name);
      throw classifyOdooError({ ...data, message: data?.message ?? message }, model);
    }
    return reply?.result;
  }

  private async authenticate(): Promise<number> {
    if (this.uid !== undefined) return this.uid;
    const uid = await this.jsonRpc('/jsonrpc', { service: 'common', method: 'authenticate', args: [this.o.db, this.o.login, this.o.secret, {}] }, 'common');
    if (typeof uid !== 'number' || uid <= 0) {
      throw new OdooAuthError(`Odoo refused the login "${this.o.login}" on database "${this.o.db}" with this API key: check all three (the key is shown once, when created in Preferences → Account Security)`);
    }
    this.uid = uid;
    return uid;
  }

  private async executeKw(model: string, method: string, kwargs: Record<string, unknown>): Promise<unknown> {
    const uid = await this.authenticate();
    const { domain, ...rest } = kwargs;
    const args = domain === undefined ? [] : [domain];
    return this.jsonRpc('/jsonrpc', { service: 'object', method: 'execute_kw', args: [this.o.db, uid, this.o.secret, model, method, args, rest] }, model);
  }

  private async login(): Promise<void> {
    if (this.sessionCookie) return;
    const result = (await this.jsonRpc('/web/session/authenticate', { db: this.o.db, login: this.o.login, password: this.o.secret }, 'session')) as { uid?: unknown } | null;
    if (!result || typeof result.uid !== 'number' || !this.sessionCookie) {
      throw new OdooAuthError(`Odoo refused the login "${this.o.login}" on database "${this.o.db}": check the login and password`);
    }
  }

  private async callKw(model: string, method: string, kwargs: Record<string, unknown>): Promise<unknown> {
    await this.login();
    const { domain, ...rest } = kwargs;
    const args = domain === undefined ? [] : [domain];
    return this.jsonRpc(`/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs: rest }, model);
  }

  private async json2(model: string, method: string, kwargs: Record<string, unknown>): Promise<unknown> {
    return this.http('POST', `/json/2/${model}/${method}`, kwargs, { Authorization: `bearer ${this.o.secret}`, 'X-Odoo-Database': this.o.db });
  }

  private rememberCookie(cookies: string[]): void {
    const session = cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('session_id='));
    if (session) this.sessionCookie = session;
  }
}

function parseVersion(info: unknown[] | undefined, text: string | undefined): OdooVersion {
  // saas versions look like "saas~17.2": the major is the number after the tilde.
  const first = info?.[0];
  const major = typeof first === 'number' ? first : Number(/(\d+)\./.exec(String(first ?? text ?? ''))?.[1]);
  if (!Number.isInteger(major)) throw new OdooError(`could not read the Odoo version from ${JSON.stringify(info ?? text)}: set "odoo_version" in the config`);
  return { major, text: text ?? String(first) };
}

function retryAfter(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** fetch's own failures (refused, reset, timed out) as transient errors; anything else is not one. */
function networkFailure(e: unknown, base: string): OdooTransientError | undefined {
  const err = e as { name?: string; cause?: { code?: string }; message?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return new OdooTransientError(`Odoo at ${base} did not answer in time`);
  if (e instanceof TypeError && err.message === 'fetch failed') return new OdooTransientError(`could not reach Odoo at ${base} (${err.cause?.code ?? 'network error'})`);
  return undefined;
}
