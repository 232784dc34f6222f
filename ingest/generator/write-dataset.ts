/**
 * Writes a generated dataset to disk:
 *   OUT/events.jsonl            one JSON event per line, in emission order
 *   OUT/truth/ledger.jsonl      the final ledger (truth.ts), sorted by sku then location
 *   OUT/truth/exceptions.jsonl  one labelled exception per line, in the order they happened
 *   OUT/truth/sales_lines.jsonl     one outcome row per sales order line (truth.ts), by line number
 *   OUT/truth/purchase_lines.jsonl  one outcome row per purchase order line (truth.ts), by line number
 *   OUT/truth/counts.jsonl      one row per inventory count (truth.ts), by count number
 *   OUT/truth/adjustments.jsonl one row per inventory adjustment move (truth.ts), by move number
 *   OUT/truth/bills.jsonl       one row per vendor bill line (truth.ts), by bill line number
 *   OUT/truth/daily_inventory.jsonl  one row per day × warehouse (truth.ts), by day then warehouse
 *   OUT/truth/summary.json      resolved options and counts (no timings: same options ⇒ same bytes)
 *
 * Events and labels stream through buffered write streams with backpressure; nothing holds all
 * events in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Simulation, type GeneratorOptions } from './simulation.js';
import type { ExceptionLabel } from './truth.js';

export interface WriteDatasetOptions extends GeneratorOptions {
  out: string;
  onProgress?: (eventsWritten: number) => void;
}

export interface WriteDatasetResult {
  events: number;
  /** Bytes of events.jsonl. */
  bytes: number;
  seconds: number;
  /** Label counts by kind. */
  truth: Record<string, number>;
}

const CHUNK_CHARS = 256 * 1024;
const PROGRESS_EVERY = 100_000;

/** Batches lines into large chunks and respects the stream's backpressure. */
class LineWriter {
  private readonly stream: WriteStream;
  private chunk = '';
  private error: Error | null = null;
  bytes = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 1024 * 1024 });
    this.stream.on('error', (e) => {
      this.error = e;
    });
  }

  /** Adds a line (with its newline). Returns a promise to await when the stream wants a pause. */
  add(line: string): Promise<void> | undefined {
    this.chunk += line;
    if (this.chunk.length >= CHUNK_CHARS) return this.flush();
    return undefined;
  }

  flush(): Promise<void> | undefined {
    if (this.error) throw this.error;
    if (this.chunk.length === 0) return undefined;
    const data = this.chunk;
    this.chunk = '';
    this.bytes += Buffer.byteLength(data);
    if (!this.stream.write(data)) return this.drain();
    return undefined;
  }

  private async drain(): Promise<void> {
    // events.once rejects when the stream emits 'error' while waiting.
    await once(this.stream, 'drain');
    if (this.error) throw this.error;
  }

  async close(): Promise<void> {
    const p = this.flush();
    if (p) await p;
    this.stream.end();
    await once(this.stream, 'finish');
    if (this.error) throw this.error;
  }
}

/** Writes rows as JSON lines, one at a time (there can be millions). */
async function writeRows(path: string, rows: Iterable<object>): Promise<void> {
  const w = new LineWriter(path);
  try {
    for (const row of rows) {
      const p = w.add(`${JSON.stringify(row)}\n`);
      if (p) await p;
    }
  } catch (e) {
    await Promise.allSettled([w.close()]);
    throw e;
  }
  await w.close();
}

export async function writeDataset(opts: WriteDatasetOptions): Promise<WriteDatasetResult> {
  const started = performance.now();
  const { out, onProgress, ...genOpts } = opts;
  await mkdir(join(out, 'truth'), { recursive: true });
  const events = new LineWriter(join(out, 'events.jsonl'));
  const exceptions = new LineWriter(join(out, 'truth', 'exceptions.jsonl'));
  const pending: ExceptionLabel[] = [];
  const sim = new Simulation(genOpts, { onException: (l) => pending.push(l) });
  /** Writes the labels the simulation reported so far. */
  const drainPending = async () => {
    for (const l of pending) {
      const w = exceptions.add(`${JSON.stringify(l)}\n`);
      if (w) await w;
    }
    pending.length = 0;
  };

  let written = 0;
  try {
    for (const ev of sim.events()) {
      const wait = events.add(`${JSON.stringify(ev)}\n`);
      if (wait) await wait;
      written++;
      if (pending.length > 0) await drainPending();
      if (onProgress && written % PROGRESS_EVERY === 0) onProgress(written);
    }
    await drainPending();
  } catch (e) {
    await Promise.allSettled([events.close(), exceptions.close()]);
    throw e;
  }
  await events.close();
  await exceptions.close();
  onProgress?.(written);

  const truth = sim.truth();
  await writeRows(join(out, 'truth', 'ledger.jsonl'), truth.ledger);
  await writeRows(join(out, 'truth', 'sales_lines.jsonl'), sim.salesLineTruth());
  await writeRows(join(out, 'truth', 'purchase_lines.jsonl'), sim.purchaseLineTruth());
  await writeRows(join(out, 'truth', 'counts.jsonl'), sim.countTruth());
  await writeRows(join(out, 'truth', 'adjustments.jsonl'), sim.adjustmentTruth());
  await writeRows(join(out, 'truth', 'bills.jsonl'), sim.billTruth());
  await writeRows(join(out, 'truth', 'daily_inventory.jsonl'), sim.dailyInventoryTruth());

  const s = truth.stats;
  // Every exception kind, in EXCEPTION_KINDS order (truth.ts's emptyCounts()).
  const counts = truth.counts;
  const byType = Object.fromEntries(Object.keys(s.byType).sort().map((k) => [k, s.byType[k]]));
  const summary = {
    generator: 'ledgerline synthetic distributor',
    options: sim.options,
    events: { lines: written, distinct: s.distinct, redeliveries: s.duplicates, emitted_late: s.late, by_type: byType },
    documents: {
      sales_lines: s.salesLines,
      purchase_lines: s.purchaseLines,
      open_sales_lines: s.openSalesLines,
      open_purchase_lines: s.openPurchaseLines,
      transfers_in_transit: s.transfersInTransit,
    },
    truth: {
      ledger_rows: truth.ledger.length,
      exceptions: Object.values(counts).reduce((a, b) => a + b, 0),
      exceptions_by_kind: counts,
    },
  };
  await writeFile(join(out, 'truth', 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

  return { events: written, bytes: events.bytes, seconds: (performance.now() - started) / 1000, truth: counts };
}
