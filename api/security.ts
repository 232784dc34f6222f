/**
 * Who is calling and whether they may: API keys (api/keys.ts), the loopback exception of
 * LEDGERLINE_API_AUTH=auto, per-key rate limits and the role check of each route.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './http-error.js';
import type { ApiKeys } from './keys.js';
import type { Counter } from './metrics.js';
import { allowedRoles, type Role, type Route } from './routes.js';

export type AuthMode = 'auto' | 'required';

/** The caller of a request: a key's holder, or (LEDGERLINE_API_AUTH=auto on loopback) someone on this machine without a key. */
export type Principal =
  | { kind: 'key'; id: string; role: Role; name: string; /** [] = every company. */ companies: readonly string[]; /** [] = every warehouse. */ warehouses: readonly string[] }
  | { kind: 'local'; role: 'admin' };

export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** Who did something, as the audit columns say it: `key:<id>` or `local`. */
export function actorOf(res: Response): string {
  const p = principalOf(res);
  return p === undefined ? 'unknown' : p.kind === 'key' ? `key:${p.id}` : 'local';
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** Headers a reverse proxy adds: a request carrying them came from elsewhere, whatever its socket says. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host'];

/** A token bucket per caller: `perSecond` on average, `burst` at once. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when `caller` may go on (a token is taken), else the seconds until it may. */
  take(caller: string): number {
    if (this.perSecond <= 0) return 0;
    const now = this.now();
    let b = this.buckets.get(caller);
    if (b === undefined) {
      // Bounded memory however many addresses call: buckets that have refilled are as good as new.
      if (this.buckets.size >= 10_000) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(caller, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
    // Still full: every caller is active; the oldest are dropped (they start again with a full bucket).
    for (const k of this.buckets.keys()) {
      if (this.buckets.size < 10_000) break;
      this.buckets.delete(k);
    }
  }
}

export interface GuardOptions {
  keys: ApiKeys;
  mode: AuthMode;
  /** The address the API listens on: the loopback exception needs a loopback listener. */
  host: string;
  limiter: RateLimiter;
  authFailures: Counter;
  rateLimited: Counter;
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer realm="ledgerline"' };
const GET_A_KEY = 'an admin creates one with `ledgerline keys create --role ROLE --name NAME` or POST /api/v1/keys';

/** The key sent with a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function sentKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (!m) throw new HttpError(401, `the Authorization header must be "Bearer <key>"; ${GET_A_KEY}`, WWW_AUTHENTICATE);
    return m[1];
  }
  const header = req.get('x-api-key');
  return header === undefined ? undefined : header.trim();
}

/**
 * Authenticates, rate-limits and authorizes a request to `route`: 401 without a valid key (unless
 * the loopback exception applies), 429 over the caller's rate, 403 when the key's role may not call
 * the route. Sets the principal for the handler (`principalOf`).
 */
export function guard(route: Route, o: GuardOptions): RequestHandler {
  const allowed = allowedRoles(route);
  const localOk = o.mode === 'auto' && isLoopbackHost(o.host);
  return async (req: Request, res: Response, next: NextFunction) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    let principal: Principal | undefined;
    let refusal: HttpError | undefined;
    try {
      // A public route ignores credentials: a stale header must not break a health check.
      const key = route.access === 'public' ? undefined : sentKey(req);
      if (key !== undefined) {
        const check = await o.keys.check(key);
        if (check.ok) principal = { kind: 'key', id: check.key.id, role: check.key.role, name: check.key.name, companies: check.key.companies, warehouses: check.key.warehouses };
        else {
          o.authFailures.inc({ reason: check.reason });
          refusal =
            check.reason === 'revoked'
              ? new HttpError(401, `API key ${check.key!.id} was revoked at ${check.key!.revoked_at}: ${GET_A_KEY}`, WWW_AUTHENTICATE)
              : check.reason === 'malformed'
                ? new HttpError(401, `the API key is malformed (expected llk_<id>_<secret>, as printed when it was created): check it was copied whole; ${GET_A_KEY}`, WWW_AUTHENTICATE)
                : new HttpError(401, `the API key is not valid: check it was copied whole; ${GET_A_KEY}`, WWW_AUTHENTICATE);
        }
      } else if (route.access !== 'public') {
        if (localOk && isLoopbackHost(address) && !FORWARDED.some((h) => req.get(h) !== undefined)) principal = { kind: 'local', role: 'admin' };
        else {
          o.authFailures.inc({ reason: 'missing' });
          refusal = new HttpError(401, `${req.method} ${route.path} needs an API key: send Authorization: Bearer <key> (or X-API-Key: <key>); ${GET_A_KEY}`, WWW_AUTHENTICATE);
        }
      }
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      o.authFailures.inc({ reason: 'malformed' });
      refusal = e;
    }
    // Failed attempts count against the address: guessing keys is throttled like any other traffic.
    const wait = o.limiter.take(principal?.kind === 'key' ? principal.id : `address:${address}`);
    if (wait > 0) {
      o.rateLimited.inc({});
      throw new HttpError(429, `too many requests: wait ${wait} s (the limit is LEDGERLINE_API_RATE_PER_SECOND per key, bursts of LEDGERLINE_API_RATE_BURST)`, { 'Retry-After': String(wait) });
    }
    if (refusal) throw refusal;
    if (principal !== undefined && !allowed.includes(principal.role)) {
      throw new HttpError(403, `the role ${principal.role} may not call ${route.method.toUpperCase()} ${route.path}: it is for ${allowed.join(', ')}`);
    }
    res.locals.principal = principal;
    next();
  };
}
