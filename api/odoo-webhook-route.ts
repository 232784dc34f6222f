/**
 * The receiver of Odoo's "Send Webhook Notification" automation action (Odoo 17+): Odoo POSTs
 * `{"_model", "_id", "_action", …chosen fields}` once, with a one-second timeout and no retry, and
 * cannot add headers — so the shared secret travels in the URL (`?secret=`), or in the
 * `X-Ledgerline-Odoo-Secret` header for senders that can set one.
 *
 * A notification is a hint, not data: it wakes the poller, which reads the record (and everything
 * else that changed) through the API with its cursor. A lost notification therefore costs only
 * latency — the next poll finds the change anyway — and a forged one cannot inject data.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';
import { validated } from './validate.js';

export interface OdooNotification {
  model: string;
  id: number;
  action: string | undefined;
  received_at: string;
}

/** What the receiver checks against and where accepted notifications go (the poll loop of `ledgerline odoo`). */
export class OdooWebhookReceiver {
  private readonly digest: Buffer;
  received = 0;
  refused = 0;
  readonly byModel = new Map<string, number>();

  constructor(
    secret: string,
    private readonly onNotification: (n: OdooNotification) => void,
  ) {
    if (secret.length < 16) throw new Error('the Odoo webhook secret must have at least 16 characters');
    this.digest = digestOf(secret);
  }

  /** Constant time whatever the guess: both sides are hashed to the same length first. */
  accepts(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    return timingSafeEqual(this.digest, digestOf(candidate));
  }

  accept(n: OdooNotification): void {
    this.received++;
    this.byModel.set(n.model, (this.byModel.get(n.model) ?? 0) + 1);
    this.onNotification(n);
  }
}

function digestOf(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export const ODOO_SECRET_HEADER = 'x-ledgerline-odoo-secret';

export function odooWebhookHandler(receiver: OdooWebhookReceiver | undefined): RequestHandler {
  return (req, res) => {
    if (!receiver) {
      throw new HttpError(404, 'the Odoo webhook is not served by this process: it is part of `ledgerline odoo --config FILE` with a webhook secret in the config (see docs/odoo.md)');
    }
    const { query, body } = validated(res);
    const sent = typeof query.secret === 'string' ? query.secret : req.get(ODOO_SECRET_HEADER);
    if (!receiver.accepts(sent)) {
      receiver.refused++;
      throw new HttpError(401, 'the Odoo webhook secret is missing or wrong: put ?secret=<webhook secret> in the URL of the Odoo automation rule');
    }
    const notification: OdooNotification = {
      model: body._model as string,
      id: body._id as number,
      action: typeof body._action === 'string' ? body._action : undefined,
      received_at: new Date().toISOString(),
    };
    receiver.accept(notification);
    res.json({ status: 'accepted', model: notification.model, id: notification.id });
  };
}
