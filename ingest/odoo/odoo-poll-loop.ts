/**
 * Polls Odoo again and again: one embedded pipeline run per poll (sources → log → processors →
 * store, then the cursor) on processors restored once and kept between polls, then a pause of
 * `poll_seconds` that a webhook notification shortens (see `nudge`).
 * A poll that fails passingly (Odoo down longer than the client's retries) is tried again after the
 * pause; one that needs a person (a refused key, a model or field missing) stops the loop.
 */
import type { Config } from '../../config/config.js';
import { EmbeddedPipeline, type RunSummary } from '../../runtime/embedded-pipeline.js';
import type { ChdbStore } from '../../store/chdb-store.js';
import { Pause } from '../pause.js';
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
  private readonly pause = new Pause();
  private stopped = false;
  /** When the next poll must start for the earliest notification not yet covered (ms), if any. */
  private nudgeDue: number | undefined;
  /** When a poll must start to cover every notification so far. */
  private lastNudgeDue = 0;
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

  /**
   * A record was saved in Odoo (`at`: when the notification came). A poll at once would not take it:
   * each poll stops settle_seconds before now, and write_date has whole seconds. So the poll that
   * covers it is the first to start settle_seconds after the end of the notification's second.
   * Notifications while one is pending add no poll of their own; those that poll cannot cover (a
   * later second) get one more, after it.
   */
  nudge(at = Date.now()): void {
    const due = (Math.floor(at / 1000) + 1) * 1000 + this.source.settleSeconds * 1000;
    this.nudgeDue ??= due;
    this.lastNudgeDue = Math.max(this.lastNudgeDue, due);
    this.pause.wake();
  }

  stop(): void {
    this.stopped = true;
    this.pause.wake();
  }

  /** One poll through the pipeline (outside `run`, it restores the processors from the store first). */
  async pollOnce(): Promise<RunSummary> {
    this.lastStartedAt = Date.now();
    if (this.nudgeDue !== undefined && this.nudgeDue <= this.lastStartedAt) {
      this.nudgeDue = this.lastNudgeDue <= this.lastStartedAt ? undefined : this.lastNudgeDue;
    }
    const summary = await this.pipeline.run([this.source]);
    this.polls++;
    this.o.onPoll?.(summary);
    return summary;
  }

  run(): Promise<void> {
    return this.pipeline.whileOpen(() => this.follow());
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const s = await this.pollOnce();
        if (s.events_logged || s.dead_lettered) {
          this.o.log(`ledgerline odoo: poll ${this.polls}: ${s.events_read} records read, ${s.events_logged} new events, ${s.duplicates} already logged, ${s.dead_lettered} dead-lettered (${s.seconds} s)`);
        }
      } catch (e) {
        if (!(e instanceof OdooTransientError)) throw e;
        this.o.log(`ledgerline odoo: poll failed, trying again in ${this.o.pollMs / 1000} s: ${e.message}`);
      }
      const regular = Date.now() + this.o.pollMs;
      const wait = () => Math.min(regular, this.nudgeDue ?? Infinity) - Date.now();
      // Woken by a notification (to wait less) or by stop.
      for (let ms = wait(); !this.stopped && ms > 0; ms = wait()) {
        await this.pause.for(ms);
      }
    }
  }
}
