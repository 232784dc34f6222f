import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config/config.js';
import { DebeziumConfigError, loadDebeziumConfig } from '../ingest/debezium/debezium-config.js';
import { DebeziumFeedError } from '../ingest/debezium/debezium-feed.js';
import { DebeziumLoop } from '../ingest/debezium/debezium-loop.js';
import { DebeziumSource } from '../ingest/debezium/debezium-source.js';
import { EventLogRecords } from '../ingest/odoo/odoo-reconcile.js';
import { UsageError } from './errors.js';
import { openStore, requireEmbedded } from './open-store.js';
import { portFlag, serveApi } from './serve-api.js';

/**
 * `ledgerline debezium --config debezium.json`: follows Debezium's topics of an Odoo database into
 * the embedded store — drains the topics every `poll_seconds`, serves the HTTP API, scores and alerts
 * like `run`. `--once`: one drain, its summary as JSON, exit.
 */
export async function debeziumCommand(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string' },
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
    },
  });
  if (!values.config) throw new UsageError('ledgerline debezium needs --config FILE (the Kafka topics of the Debezium connector: see docs/debezium.md)');
  requireEmbedded(config, 'debezium');
  const port = portFlag(values.port, config);
  const cdc = await loadDebeziumConfig(values.config).catch((e: unknown) => {
    throw e instanceof DebeziumConfigError ? new ConfigError(e.message) : e;
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const store = await openStore(config, values['data-dir']);
  const source = new DebeziumSource({ config: cdc, logged: new EventLogRecords(store), log });
  try {
    const loop = new DebeziumLoop(store, config, source, { pauseMs: cdc.poll_seconds * 1000, log });
    try {
      if (values.once) {
        const summary = await loop.drainOnce();
        process.stdout.write(`${JSON.stringify({ ...summary, debezium: source.stats })}\n`);
        return 0;
      }
      await serveApi(store, config, port, { follower: loop, dashboards: true, note: 'following the Debezium topics' });
      return 0;
    } catch (e) {
      // What Kafka or the topics refused, and what to do about it, without a stack trace.
      if (e instanceof DebeziumFeedError) throw new ConfigError(`Debezium topics ${cdc.topic_prefix}.${cdc.schema}.* on ${cdc.brokers.join(',')}: ${e.message}`);
      throw e;
    }
  } finally {
    await source.close();
    await store.close();
  }
}
