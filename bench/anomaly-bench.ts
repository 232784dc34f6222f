/**
 * `npm run bench:anomaly`: the anomaly-scoring processor's throughput inside the pipeline's
 * processing loop, in bus records per second, over a generated stream of every event type (master
 * data, order lines, reservations, moves, counts, bills, quality checks), against the same loop
 * through a no-op processor (the floor: iterating the records and the call itself).
 *
 * The records are built once (keys, partitions and offsets as the embedded bus gives them); each run
 * starts a fresh processor, so every run scores every adjustment and purchase line again and emits
 * its rows into the pipeline's output buffer (serialized to TSV, as before a store write). Best of
 * three. Prints one JSON line. BENCH_SKUS / BENCH_DAYS / BENCH_WAREHOUSES change the size.
 */
import type { BusRecord } from '../bus/bus.js';
import { partitionOf } from '../bus/partitioner.js';
import { eventKeys } from '../events/keys.js';
import type { ErpEvent } from '../events/schema.js';
import { Simulation } from '../ingest/generator/simulation.js';
import { AnomalyScoringProcessor } from '../processors/anomaly-scoring.js';
import type { Emitter, Processor } from '../processors/processor.js';
import { Outputs } from '../runtime/outputs.js';

const options = {
  seed: 7,
  days: Number(process.env.BENCH_DAYS ?? 365),
  skus: Number(process.env.BENCH_SKUS ?? 300),
  warehouses: Number(process.env.BENCH_WAREHOUSES ?? 4),
};
const PARTITIONS = 8;
const TARGET = 100_000;

class NoopProcessor implements Processor {
  readonly name = 'noop';
  seen = 0;
  apply(r: BusRecord<ErpEvent>, _out: Emitter): void {
    // Touches the record as any processor does (its type), so the loop is not optimized away.
    if (r.value.type === 'stock_move') this.seen++;
  }
  flush(): void {}
  async restore(): Promise<void> {}
}

function records(): BusRecord<ErpEvent>[] {
  const out: BusRecord<ErpEvent>[] = [];
  let offset = 0;
  for (const event of new Simulation(options).events()) {
    offset++;
    for (const key of eventKeys(event)) out.push({ key, partition: partitionOf(key, PARTITIONS), offset, value: event });
  }
  return out;
}

/** Seconds to apply every record, committing (flush + taking the outputs) every 200k output rows as the pipeline does. */
function run(make: () => Processor, all: BusRecord<ErpEvent>[]): { seconds: number; rows: number } {
  const p = make();
  let out = new Outputs();
  let rows = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < all.length; i++) {
    p.apply(all[i]!, out);
    if (out.rows >= 200_000) {
      p.flush(out);
      rows += out.rows;
      out = new Outputs();
    }
  }
  p.flush(out);
  rows += out.rows;
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rows };
}

function best(make: () => Processor, all: BusRecord<ErpEvent>[]): { seconds: number; rows: number } {
  let b = run(make, all);
  for (let i = 0; i < 2; i++) {
    const r = run(make, all);
    if (r.seconds < b.seconds) b = r;
  }
  return b;
}

const all = records();
const noop = best(() => new NoopProcessor(), all);
const anomaly = best(() => new AnomalyScoringProcessor(), all);
const perSecond = Math.round(all.length / anomaly.seconds);
process.stdout.write(
  `${JSON.stringify({
    ...options,
    records: all.length,
    scored_rows: anomaly.rows,
    noop_records_per_s: Math.round(all.length / noop.seconds),
    anomaly_records_per_s: perSecond,
    anomaly_us_per_record: +((anomaly.seconds / all.length) * 1e6).toFixed(3),
    target_records_per_s: TARGET,
    meets_target: perSecond >= TARGET,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
