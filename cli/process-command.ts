import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { jobProcessors } from '../runtime/job-processors.js';
import { KafkaProcessing } from '../runtime/kafka-processing.js';
import { openKafkaBus } from './open-bus.js';
import { openQueryStore } from './open-store.js';

const POLL_MS = 500;

/**
 * `ledgerline process [--drain]`: one processor instance of the distributed mode, a member of the
 * consumer group LEDGERLINE_KAFKA_GROUP; runs until SIGINT/SIGTERM, or with --drain until the group
 * has processed and committed everything published so far. Start more for more throughput: the
 * group shares the partitions among them.
 */
export async function processCommand(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { drain: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } } });
  const store = await openQueryStore(config, values['data-dir']);
  try {
    const bus = await openKafkaBus(config);
    const processing = new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS);
    try {
      const group = config.LEDGERLINE_KAFKA_GROUP;
      await processing.start(group);
      process.stderr.write(`ledgerline: processing ${bus.eventsTopic} as a member of group ${group}; ${values.drain ? 'stops when drained' : 'Ctrl-C stops'}\n`);
      const stopped = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
      let signalled = false;
      void stopped.then(() => (signalled = true));
      for (;;) {
        if (signalled || processing.failed) break;
        if (values.drain && (await bus.lag(group)) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      if (processing.failed) {
        await processing.abandon();
        throw processing.failed;
      }
      await processing.stop();
      process.stdout.write(`${JSON.stringify(processing.summary)}\n`);
      return 0;
    } finally {
      await bus.close();
    }
  } finally {
    await store.close();
  }
}
