import { ConfigError, type Config } from '../config/config.js';
import { DebeziumConfigError, loadDebeziumConfig } from '../ingest/debezium/debezium-config.js';
import { DebeziumFeedError } from '../ingest/debezium/debezium-feed.js';
import { DebeziumLoop } from '../ingest/debezium/debezium-loop.js';
import { DebeziumSource } from '../ingest/debezium/debezium-source.js';
import { EventLogRecords } from '../ingest/odoo/odoo-reconcile.js';
import { followerFlags } from './flags.js';
import { openStore } from './open-store.js';
import { serveApi } from './serve-api.js';

/**
 * `ledgerline debezium --config debezium.json`: follows Debezium's topics of an Odoo database into
 * the embedded store — drains the topics every `poll_seconds`, serves the HTTP API, scores and alerts
 * like `run`. `--once`: one drain, its summary as JSON, exit.
 */
export async function debeziumCommand(argv: string[], config: Config): Promise<number> {
  const flags = followerFlags('debezium', argv, config, 'the Kafka topics of the Debezium connector: see docs/debezium.md');
  const cdc = await loadDebeziumConfig(flags.configPath).catch((e: unknown) => {
    throw e instanceof DebeziumConfigError ? new ConfigError(e.message) : e;
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const store = await openStore(config, flags.dataDir);
  const source = new DebeziumSource({ config: cdc, logged: new EventLogRecords(store), log });
  try {
    const loop = new DebeziumLoop(store, config, source, { pauseMs: cdc.poll_seconds * 1000, log });
    try {
      if (flags.once) {
        const summary = await loop.drainOnce();
        process.stdout.write(`${JSON.stringify({ ...summary, debezium: source.stats })}\n`);
        return 0;
      }
      await serveApi(store, config, flags.port, { follower: loop, dashboards: true, note: 'following the Debezium topics' });
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
