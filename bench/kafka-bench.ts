/**
 * `npm run bench:kafka`: the distributed mode through a real broker (start one first:
 * `scripts/kafka-local.sh start`; BENCH_KAFKA_BROKERS, default 127.0.0.1:9092). In one run:
 *
 * - raw: a kafkajs consumer group reading the whole events topic and doing nothing with it — the
 *   rate any consumer of the topic is bounded by;
 * - end to end: one `ledgerline process` instance (in this process) on the same topic from the
 *   start, until every record's outputs are in the store (chDB) and its offset committed;
 * - latency: records published at BENCH_RATE events/s (default 10k) for BENCH_LATENCY_SECONDS
 *   (default 10) while an instance runs; each record's latency is from its publish to the moment
 *   its offset is seen committed (outputs stored; polled every 10 ms).
 *
 * The input is a generated distributor (BENCH_DAYS / BENCH_SKUS / BENCH_WAREHOUSES, cached in
 * bench/out/), published once through `ingest` (validated, keyed). Prints one JSON line.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus, type OutgoingRecord } from '../bus/kafka-bus.js';
import { openInputs } from '../cli/inputs.js';
import { openStore } from '../cli/open-store.js';
import { loadConfig } from '../config/config.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { eventKeys } from '../events/keys.js';
import { validateEvent } from '../events/validate.js';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { jobProcessors } from '../runtime/job-processors.js';
import { ingestToKafka } from '../runtime/kafka-ingest.js';
import { KafkaProcessing } from '../runtime/kafka-processing.js';

const OUT = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const BROKERS = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const options = { seed: 11, days: Number(process.env.BENCH_DAYS ?? 180), skus: Number(process.env.BENCH_SKUS ?? 300), warehouses: Number(process.env.BENCH_WAREHOUSES ?? 4) };
const RUN = `bench-${Date.now().toString(36)}`;

const config = loadConfig();
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function input(): Promise<string> {
  const dir = join(OUT, `kafka-input-${options.seed}-${options.days}-${options.skus}-${options.warehouses}`);
  if (!existsSync(join(dir, 'truth', 'summary.json'))) {
    process.stderr.write(`bench:kafka: generating ${JSON.stringify(options)} into ${dir} (once; cached)\n`);
    await writeDataset({ ...options, out: dir });
  }
  return join(dir, 'events.jsonl');
}

function connect(prefix: string): Promise<KafkaBus> {
  return KafkaBus.connect({ brokers: BROKERS, clientId: 'ledgerline-bench', topicPrefix: prefix, partitions: config.LEDGERLINE_BUS_PARTITIONS, replication: 1 }).catch((e: Error) => {
    throw new Error(`${e.message}\nStart a local broker first: scripts/kafka-local.sh start`);
  });
}

/** Reads the whole topic with a fresh group, doing nothing per record: records/s. */
async function rawConsume(topic: string, records: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'ledgerline-bench-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${RUN}-raw` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started: bigint | undefined;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      started ??= process.hrtime.bigint();
      seen += batch.messages.length;
      if (seen >= records) done();
    },
  });
  await finished;
  const rate = records / seconds(started!);
  await consumer.disconnect();
  return rate;
}

/** A processor instance of group `<run>-<name>` over a fresh store in bench/out/kafka-<name>-data. */
async function instance(bus: KafkaBus, name: string): Promise<{ store: ChdbStore; group: string; processing: KafkaProcessing }> {
  const dataDir = join(OUT, `kafka-${name}-data`);
  rmSync(dataDir, { recursive: true, force: true });
  const store = await openStore(config, dataDir);
  return { store, group: `${RUN}-${name}`, processing: new KafkaProcessing(store, bus, jobProcessors, config.LEDGERLINE_COMMIT_MS) };
}

/** One processor instance from the start of the topic until everything is committed: records/s. */
async function endToEnd(bus: KafkaBus, records: number): Promise<number> {
  const { store, group, processing } = await instance(bus, 'e2e');
  try {
    const started = process.hrtime.bigint();
    await processing.start(group);
    while ((await bus.progress(group)).committed < records) {
      if (processing.failed) throw processing.failed;
      await sleep(20);
    }
    const rate = records / seconds(started);
    await processing.stop();
    return rate;
  } finally {
    await store.close();
  }
}

/** Records published at `RATE`/s while an instance runs: p50/p99 from publish to committed, ms. */
async function latency(path: string): Promise<{ p50: number; p99: number; records: number }> {
  const bus = await connect(`${RUN}-latency`);
  const { store, group, processing } = await instance(bus, 'latency');
  try {
    // Validated and keyed up front: the publisher only paces and sends.
    const records: OutgoingRecord[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (records.length >= RATE * LATENCY_SECONDS) break;
      if (!line) continue;
      const result = validateEvent(JSON.parse(line), new Date().toISOString());
      if (result.ok) for (const key of eventKeys(result.event)) records.push({ key, value: JSON.stringify(result.event) });
    }
    await processing.start(group);
    // Per partition, the publish time of its k-th record (offset k, counting from 1: a fresh topic).
    const published = new Map<number, number[]>();
    const committedAt = new Map<number, number[]>();
    let polling = true;
    const poller = (async () => {
      const seen = new Map<number, number>();
      while (polling) {
        const now = performance.now();
        for (const [p, offset] of await bus.committedOffsets(group)) {
          const times = committedAt.get(p) ?? committedAt.set(p, []).get(p)!;
          for (let k = seen.get(p) ?? 0; k < offset; k++) times.push(now);
          seen.set(p, Math.max(seen.get(p) ?? 0, offset));
        }
        await sleep(10);
      }
    })();
    const slice = Math.ceil(RATE / 100); // every 10 ms
    const start = performance.now();
    for (let i = 0; i < records.length; i += slice) {
      const due = start + (i / RATE) * 1000;
      if (due > performance.now()) await sleep(due - performance.now());
      const batch = records.slice(i, i + slice);
      const at = performance.now();
      for (const r of batch) {
        const p = bus.partitionOf(r.key);
        (published.get(p) ?? published.set(p, []).get(p)!).push(at);
      }
      await bus.publish(batch);
    }
    while ((await bus.progress(group)).committed < records.length) {
      if (processing.failed) throw processing.failed;
      await sleep(20);
    }
    await sleep(50);
    polling = false;
    await poller;
    const latencies: number[] = [];
    for (const [p, times] of published) times.forEach((t, k) => latencies.push(committedAt.get(p)![k]! - t));
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
    await processing.stop();
    return { p50: pct(0.5), p99: pct(0.99), records: latencies.length };
  } finally {
    await store.close();
    await bus.close();
  }
}

async function main(): Promise<void> {
  const path = await input();
  const bus = await connect(RUN);
  try {
    const ingestDir = join(OUT, 'kafka-ingest-data');
    rmSync(ingestDir, { recursive: true, force: true });
    const store = await openStore(config, ingestDir);
    let records: number;
    const publishStarted = process.hrtime.bigint();
    try {
      records = (await ingestToKafka(await openInputs([path], config), bus, store, config)).published;
    } finally {
      await store.close();
    }
    if (records === 0) throw new Error(`nothing was published from ${path}: is the input empty?`);
    const publishRate = records / seconds(publishStarted);
    const raw = await rawConsume(bus.eventsTopic, records);
    const e2e = await endToEnd(bus, records);
    const lat = await latency(path);
    process.stdout.write(
      `${JSON.stringify({
        records,
        ingest_events_per_s: Math.round(publishRate),
        raw_consume_per_s: Math.round(raw),
        end_to_end_per_s: Math.round(e2e),
        ratio: Math.round((e2e / raw) * 1000) / 1000,
        latency_rate_per_s: RATE,
        latency_records: lat.records,
        latency_p50_ms: lat.p50,
        latency_p99_ms: lat.p99,
        commit_ms: config.LEDGERLINE_COMMIT_MS,
      })}\n`,
    );
  } finally {
    await bus.close();
  }
}

await main();
