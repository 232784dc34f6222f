import { OdooWebhookReceiver } from '../api/odoo-webhook-route.js';
import { ConfigError, type Config } from '../config/config.js';
import { loadOdooConfig, OdooConfigError } from '../ingest/odoo/odoo-config.js';
import { OdooError, OdooTransientError } from '../ingest/odoo/odoo-errors.js';
import { OdooPollLoop } from '../ingest/odoo/odoo-poll-loop.js';
import { EventLogRecords } from '../ingest/odoo/odoo-reconcile.js';
import { OdooSource } from '../ingest/odoo/odoo-source.js';
import { followerFlags } from './flags.js';
import { openStore } from './open-store.js';
import { serveApi } from './serve-api.js';

/** Exit code of `--once` when Odoo or the network failed passingly: sysexits' EX_TEMPFAIL, "try again later". */
export const EXIT_TRY_AGAIN = 75;

/**
 * `ledgerline odoo --config odoo.json`: follows an Odoo database into the embedded store — polls
 * every `poll_seconds` (sooner when Odoo's webhook notifies), serves the HTTP API with the webhook
 * receiver on it, scores and alerts like `run`. `--once`: one poll, its summary as JSON, exit.
 */
export async function odooCommand(argv: string[], config: Config): Promise<number> {
  const flags = followerFlags('odoo', argv, config, 'the Odoo connection: see docs/odoo.md');
  const odoo = await loadOdooConfig(flags.configPath).catch((e: unknown) => {
    throw e instanceof OdooConfigError ? new ConfigError(e.message) : e;
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const store = await openStore(config, flags.dataDir);
  try {
    const source = new OdooSource({ config: odoo, logged: new EventLogRecords(store), log });
    const loop = new OdooPollLoop(store, config, source, { pollMs: odoo.poll_seconds * 1000, log });
    try {
      if (flags.once) {
        const summary = await loop.pollOnce();
        process.stdout.write(`${JSON.stringify({ ...summary, odoo_version: source.odooVersion, models: source.followed, odoo: { ...source.stats, ...source.client.stats } })}\n`);
        return 0;
      }
      const secret = odoo.webhookSecret;
      const receiver = secret ? new OdooWebhookReceiver(secret, () => loop.nudge()) : undefined;
      await serveApi(store, config, flags.port, {
        app: receiver ? { odooWebhook: receiver } : {},
        follower: loop,
        dashboards: true,
        note: receiver ? 'polling Odoo, sooner on its webhook at /api/v1/odoo/webhook?secret=…' : 'polling Odoo (no webhook: set webhook_secret_env in the Odoo config to receive Odoo notifications)',
      });
      return 0;
    } catch (e) {
      // Nothing to fix, only to wait for (following, the loop retries these itself): the next run resumes from the saved cursor.
      if (e instanceof OdooTransientError) {
        process.stderr.write(`ledgerline: Odoo ${odoo.url} (database ${odoo.db}) failed passingly: ${e.message}; nothing was lost, run again later (exit ${EXIT_TRY_AGAIN})\n`);
        return EXIT_TRY_AGAIN;
      }
      // What Odoo refused, and what to do about it, without a stack trace.
      if (e instanceof OdooError) throw new ConfigError(`Odoo ${odoo.url} (database ${odoo.db}): ${e.message}`);
      throw e;
    }
  } finally {
    await store.close();
  }
}
