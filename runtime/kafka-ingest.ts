import type { KafkaBus, OutgoingRecord } from '../bus/kafka-bus.js';
import type { Config } from '../config/config.js';
import { eventKeys } from '../events/keys.js';
import { decodeBatch } from '../ingest/decode.js';
import type { Source } from '../ingest/source.js';
import { Checkpoints } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';
import type { Progress } from './progress.js';

export interface IngestSummary {
  events_read: number;
  /** Records published (a transfer between warehouses is published once per warehouse). */
  published: number;
  dead_lettered: number;
  seconds: number;
}

/**
 * A source's position in what was published to `topic`: its own name, apart from the embedded job's
 * (`source/<id>`) and from other topics, so that one store can record both without either skipping input.
 */
const SOURCE_CHECKPOINT = (topic: string, id: string) => `kafka/${topic}/source/${id}`;

/**
 * The distributed mode's ingest: sources → validate → Kafka (events keyed by sku@warehouse; bad
 * records to the dead-letter topic and the store's dead_letters table) → source position in the store, in that order: a position is
 * saved only once everything before it is acknowledged by every in-sync replica. After a crash the
 * source resumes from its last position and may publish some events again; processors apply each
 * version of a record once, so a repeat changes nothing.
 */
export async function ingestToKafka(sources: readonly Source[], bus: Pick<KafkaBus, 'eventsTopic' | 'publish' | 'publishDeadLetters'>, store: Store, config: Config, progress?: Progress): Promise<IngestSummary> {
  const started = Date.now();
  const checkpoints = new Checkpoints(store);
  const summary: IngestSummary = { events_read: 0, published: 0, dead_lettered: 0, seconds: 0 };
  const keep = config.LEDGERLINE_DEAD_LETTER_RAW_BYTES;
  for (const source of sources) {
    const checkpoint = SOURCE_CHECKPOINT(bus.eventsTopic, source.id);
    let unsaved = 0;
    let resumeFrom: (() => Promise<string>) | undefined;
    for await (const batch of source.batches(await checkpoints.get(checkpoint))) {
      summary.events_read += batch.records.length;
      const decoded = decodeBatch(source, batch, keep);
      const records: OutgoingRecord[] = [];
      for (const { event } of decoded.events) {
        // The validated event, with what validation filled in (event_id, ingested_at): consumers
        // read the same event whichever source it came from.
        const value = JSON.stringify(event);
        for (const key of eventKeys(event)) records.push({ key, value });
      }
      await Promise.all([
        bus.publish(records),
        bus.publishDeadLetters(decoded.deadLetters.map((d) => ({ source: d.source_name, position: d.position, reason: d.reason, raw: d.raw, rawBytes: d.raw_bytes, rawSha256: d.raw_sha256 }))),
        // Also in the store, as the embedded mode keeps them: the data-quality KPI, the dead-letter
        // surge alert and /metrics read the table (keyed by source and position: a repeat replaces).
        decoded.deadLetters.length > 0 && store.insert('dead_letters', decoded.deadLetters),
      ]);
      summary.published += records.length;
      summary.dead_lettered += decoded.deadLetters.length;
      resumeFrom = batch.resumeFrom;
      unsaved += batch.records.length;
      if (unsaved >= config.LEDGERLINE_BATCH_EVENTS) {
        await checkpoints.set(new Map([[checkpoint, await resumeFrom()]]));
        unsaved = 0;
      }
      const { done, total } = batch.progress;
      progress?.update(`publishing ${source.name}`, summary.events_read, total ? done / total : undefined);
    }
    if (resumeFrom !== undefined && unsaved > 0) await checkpoints.set(new Map([[checkpoint, await resumeFrom()]]));
  }
  progress?.done();
  summary.seconds = Math.round((Date.now() - started) / 10) / 100;
  return summary;
}
