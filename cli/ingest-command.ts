import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { ingestToKafka } from '../runtime/kafka-ingest.js';
import { Progress } from '../runtime/progress.js';
import { UsageError } from './errors.js';
import { openInputs } from './inputs.js';
import { openKafkaBus } from './open-bus.js';
import { openQueryStore } from './open-store.js';

/**
 * `ledgerline ingest --input PATH…`: the distributed mode's ingest. Inputs are validated and
 * published to Kafka (bad records to the dead-letter topic); the store keeps each source's position.
 */
export async function ingestCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { input: { type: 'string', multiple: true, short: 'i' }, 'data-dir': { type: 'string' } },
  });
  const inputs = [...(values.input ?? []), ...positionals];
  if (inputs.length === 0) throw new UsageError('ingest what? give --input PATH (events.jsonl, data.csv, generator:…)');
  const sources = await openInputs(inputs, config);
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const bus = await openKafkaBus(config);
    try {
      const summary = await ingestToKafka(sources, bus, store, config, new Progress());
      process.stdout.write(`${JSON.stringify({ ...summary, topic: bus.eventsTopic, dead_letter_topic: bus.deadLetterTopic })}\n`);
      return 0;
    } finally {
      await bus.close();
    }
  } finally {
    await store.close();
  }
}
