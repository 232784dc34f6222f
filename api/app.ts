import express, { type NextFunction, type Request, type Response } from 'express';
import type { KpiSettings } from '../kpis/kpi.js';
import type { Store } from '../store/store.js';
import { kpiRouter } from './kpi-route.js';
import { ledgerRouter } from './ledger-route.js';
import { modelsRouter } from './models-route.js';

/** The HTTP API. Later routes (KPIs, alerts, dashboards) mount on the same app. */
export function createApp(store: Store, settings: KpiSettings): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/api/v1/ledger', ledgerRouter(store));
  app.use('/api/v1/kpis', kpiRouter(store, settings));
  app.use('/api/v1', modelsRouter(store));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof HttpError ? err.status : 500;
    res.status(status).json({ error: status === 500 ? 'internal error' : (err as Error).message });
    if (status === 500) console.error('ledgerline api:', err);
  });
  return app;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
