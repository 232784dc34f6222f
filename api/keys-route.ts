import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';
import type { ApiKeys } from './keys.js';
import { actorOf } from './security.js';
import { validated } from './validate.js';

/** `GET /api/v1/keys`, `POST /api/v1/keys`, `DELETE /api/v1/keys/:id` (admin). */
export function keysHandlers(keys: ApiKeys): Record<'listKeys' | 'createKey' | 'revokeKey', RequestHandler> {
  return {
    listKeys: async (_req, res) => {
      res.json({ keys: await keys.list() });
    },
    createKey: async (_req, res) => {
      const body = validated(res).body as { role: string; name: string; companies?: string[]; warehouses?: string[] };
      const { key, record } = await keys.create(body.role, body.name, actorOf(res), { companies: body.companies, warehouses: body.warehouses });
      // The one response that holds a secret: no cache may keep it.
      res.set('Cache-Control', 'no-store');
      res.status(201).json({ ...record, key });
    },
    revokeKey: async (req, res) => {
      const id = req.params.id as string;
      const revoked = await keys.revoke(id, actorOf(res));
      if (revoked === undefined) throw new HttpError(404, `no API key ${JSON.stringify(id.slice(0, 40))}: GET /api/v1/keys lists them`);
      res.json(revoked);
    },
  };
}
