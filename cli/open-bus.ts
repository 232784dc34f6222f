import type { Config } from '../config/config.js';
import { KafkaBus } from '../bus/kafka-bus.js';

/** The Kafka bus of the distributed mode, from the configuration (topics created if missing). */
export function openKafkaBus(config: Config): Promise<KafkaBus> {
  return KafkaBus.connect({
    brokers: config.LEDGERLINE_KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId: config.LEDGERLINE_KAFKA_CLIENT_ID,
    topicPrefix: config.LEDGERLINE_KAFKA_TOPIC_PREFIX,
    partitions: config.LEDGERLINE_BUS_PARTITIONS,
    replication: config.LEDGERLINE_KAFKA_REPLICATION,
    rebalanceTimeoutMs: config.LEDGERLINE_KAFKA_REBALANCE_SECONDS * 1000,
  });
}
