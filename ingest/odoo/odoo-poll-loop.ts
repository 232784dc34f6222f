/**
 * Polls Odoo again and again: one embedded pipeline run per poll (sources → log → processors →
 * store, then the cursor) on processors restored once and kept between polls, then a pause of `poll_seconds` that a webhook notification cuts short.
 * A poll that fails passingly (Odoo down longer than the client's retries) is tried again after the
 * pause; one that needs a person (a refused key, a model or field missing) stops the loop.
 */
import type { Config } from '../../config/config.js';
import { EmbeddedPipeline, type RunSummary } from '../../runtime/embedded-pipeline.js';
import type { ChdbStore } from '../../store/chdb-store.js';
import { OdooTransientError } from './odoo-errors.js';
import type { OdooSource } from './odoo-source.js';

export interface PollLoopOptions {
  pollMs: number;
  log: (line: string) => void;
  /** After every poll (tests wait on it). */
  onPoll?: (summary: RunSummary) => void;
}

export class OdooPollLoop {
  private readonly pipeline: EmbeddedPipeline;
  private wake: (() => void) | undefined;
  private nudged = false;
  private stopped = false;
  polls = 0;
  /** When the latest poll started (ms): a notification before it is covered once it ends. */
  lastStartedAt = 0;

  constructor(
    store: ChdbStore,
    config: Config,
    private readonly source: OdooSource,
    private readonly o: PollLoopOptions,
  ) {
    this.pipeline = new EmbeddedPipeline(store, config);
  }

  /** Starts the next poll now (or right after the one under way). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** One poll through the pipeline (outside `run`, it restores the processors from the store first). */
  async pollOnce(): Promise<RunSummary> {
    this.lastStartedAt = Date.now();
    const summary = await this.pipeline.run([this.source]);
    this.polls++;
    this.o.onPoll?.(summary);
    return summary;
  }

  async run(): Promise<void> {
    await this.pipeline.open();
    try {
      await this.follow();
    } finally {
      await this.pipeline.close();
    }
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      this.nudged = false;
      try {
        const s = await this.pollOnce();
        if (s.events_logged || s.dead_lettered) {
          this.o.log(`ledgerline odoo: poll ${this.polls}: ${s.events_read} records read, ${s.events_logged} new events, ${s.duplicates} already logged, ${s.dead_lettered} dead-lettered (${s.seconds} s)`);
        }
      } catch (e) {
        if (!(e instanceof OdooTransientError)) throw e;
        this.o.log(`ledgerline odoo: poll failed, trying again in ${this.o.pollMs / 1000} s: ${e.message}`);
      }
      if (this.stopped || this.nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
