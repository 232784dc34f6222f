import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of outgoing webhooks (docs/webhooks.md): HMAC-SHA256, keyed with the shared secret,
 * over `<unix seconds>.<raw body>`, sent as `X-Ledgerline-Signature: t=<unix seconds>,v1=<hex>`.
 * The timestamp is inside the signed text so a captured request cannot be replayed later with a
 * fresh `t`; `v1` names the scheme so a second one can be sent beside it during a change.
 */

export const SIGNATURE_HEADER = 'X-Ledgerline-Signature';
export const EVENT_ID_HEADER = 'X-Ledgerline-Event-Id';

/** How far a receiver lets the signed time differ from its own clock by default (replays older than this are refused). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The X-Ledgerline-Signature value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver does with a request (also the tests' receiver): the header parsed, the time within
 * `toleranceSeconds` of `now`, and one of the `v1` signatures equal to ours, compared in constant
 * time. `body` must be the raw bytes as received: re-serialised JSON need not be byte-identical.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  options: { toleranceSeconds?: number; now?: number } = {},
): VerifyResult {
  if (!header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header (expected t=<unix seconds>,v1=<64 hex>)` };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: `timestamp ${timestamp} is more than ${tolerance} s from now (${now}): a replay, or a clock off` };
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex'), 'utf8');
  const match = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'utf8'), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: 'signature does not match (another secret, or the body was changed)' };
}
