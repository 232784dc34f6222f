import type { Store } from './store.js';

/**
 * The latest event time (occurred_at) the processors have handled, ISO: "now" for the KPIs that
 * judge what is due (a committed date that has passed). Written with the partition offsets: under
 * this name by the embedded job, under `<name>/<partition>` by the members of a Kafka consumer group
 * (each for its own partitions); the stream time is the latest of them.
 */
export const STREAM_TIME = 'stream/event_time';

/** The stream time: the latest of the recorded ones (see `STREAM_TIME`), if any. */
export async function streamTime(checkpoints: Checkpoints): Promise<string | undefined> {
  const times = [...(await checkpoints.withPrefix(STREAM_TIME)).values()];
  return times.length ? times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : undefined;
}

/**
 * Named positions: a source's resume point, a processor partition's committed offset. Written only
 * after what they cover is durable; the latest write per name wins.
 */
export class Checkpoints {
  private seq = 0;

  constructor(private readonly store: Store) {}

  async get(name: string): Promise<string | undefined> {
    const [row] = await this.store.query<{ value: string }>('SELECT argMax(value, seq) AS value FROM checkpoints WHERE name = {name:String} GROUP BY name', { name });
    return row?.value;
  }

  async withPrefix(prefix: string): Promise<Map<string, string>> {
    const rows = await this.store.query<{ name: string; value: string }>(
      'SELECT name, argMax(value, seq) AS value FROM checkpoints WHERE startsWith(name, {prefix:String}) GROUP BY name',
      { prefix },
    );
    return new Map(rows.map((r) => [r.name, r.value]));
  }

  async set(values: ReadonlyMap<string, string>): Promise<void> {
    const now = Date.now();
    const updated_at = new Date(now).toISOString();
    // The version of a write is its time (µs, kept increasing within a process), taken at each write:
    // taken once per process, a long-running process (a Kafka member given a partition another one
    // wrote since) would write below the other's stale values and never be read. Across hosts the
    // clocks must agree to within the time between two owners' writes.
    this.seq = Math.max(this.seq + 1, now * 1000);
    const rows = [...values].map(([name, value]) => ({ name, value, seq: this.seq++, updated_at }));
    await this.store.insert('checkpoints', rows);
  }
}
