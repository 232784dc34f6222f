/**
 * Follows the Debezium topics: one embedded pipeline run per drain (topics → log → processors →
 * store, then the position) on processors restored once and kept between drains, then the consumer group's offsets are committed to the position the
 * run saved — only then, so they never run ahead of what is durable — and a pause of `poll_seconds`.
 */
import type { Config } from '../../config/config.js';
import { EmbeddedPipeline, SOURCE_CHECKPOINT, type RunSummary } from '../../runtime/embedded-pipeline.js';
import type { ChdbStore } from '../../store/chdb-store.js';
import { Checkpoints } from '../../store/checkpoints.js';
import { Pause } from '../pause.js';
import type { DebeziumSource } from './debezium-source.js';

/** The pipeline's name for a source's saved position (runtime/embedded-pipeline.ts). */
export const sourceCheckpoint = (source: DebeziumSource) => SOURCE_CHECKPOINT(source.id);

export interface DebeziumLoopOptions {
  pauseMs: number;
  log: (line: string) => void;
  /** After every drain (tests wait on it). */
  onDrain?: (summary: RunSummary) => void;
}

export class DebeziumLoop {
  private readonly pipeline: EmbeddedPipeline;
  private stopped = false;
  private readonly pause = new Pause();

  constructor(
    private readonly store: ChdbStore,
    config: Config,
    private readonly source: DebeziumSource,
    private readonly o: DebeziumLoopOptions,
  ) {
    this.pipeline = new EmbeddedPipeline(store, config);
  }

  stop(): void {
    this.stopped = true;
    this.pause.wake();
  }

  /** One drain through the pipeline (outside `run`, it restores the processors first), then the group's offsets to the saved position. */
  async drainOnce(): Promise<RunSummary> {
    const summary = await this.pipeline.run([this.source]);
    const saved = await new Checkpoints(this.store).get(sourceCheckpoint(this.source));
    if (saved) await this.source.commit(saved);
    this.o.onDrain?.(summary);
    return summary;
  }

  run(): Promise<void> {
    return this.pipeline.whileOpen(() => this.follow());
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      const s = await this.drainOnce();
      if (s.events_logged || s.dead_lettered) {
        this.o.log(`ledgerline debezium: drain ${this.source.drains}: ${s.events_read} records, ${s.events_logged} new events, ${s.duplicates} already logged, ${s.dead_lettered} dead-lettered (${s.seconds} s)`);
      }
      if (this.stopped) break;
      await this.pause.for(this.o.pauseMs);
    }
  }
}
