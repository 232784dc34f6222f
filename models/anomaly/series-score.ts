/**
 * Online anomaly score of a univariate series (one or many, by id): each point is scored against the
 * points before it only (so a score never changes once given, and a stream can be scored as it comes):
 *
 * - level: the value against the recent values (robust z over the last 64, median/MAD);
 * - change: the step from the previous value against the recent steps (robust z), weight 0.5.
 *
 * Both need 5 earlier points; before that a point scores 0 (its `history` says how many it had).
 * The score is the shared mapping of evidence.ts. A gap (an interval over 3× the median interval) is
 * reported, not scored: missing data is not evidence about the value.
 */
import { EvidenceBuilder, round, type Scored } from './evidence.js';
import { robustPosition, RollingWindow, zEvidence } from './robust-stats.js';

export const SERIES_MODEL = 'robust-v1';
const WINDOW = 64;
const MIN_HISTORY = 5;

export interface SeriesPointScore extends Scored {
  /** Earlier points of the same series the score could use. */
  history: number;
  /** Robust z of the level (NaN while the history is short). */
  robustZ: number;
  /** Median of the recent values (NaN with no history). */
  typical: number;
  /** The interval since the previous point is over 3× the median interval. */
  gap: boolean;
}

export class SeriesScorer {
  private readonly values = new RollingWindow(WINDOW);
  private readonly steps = new RollingWindow(WINDOW);
  private readonly intervals = new RollingWindow(WINDOW);
  private lastValue = NaN;
  private lastTime = NaN;
  count = 0;

  /** Scores a point, then adds it. `time` is NaN when the series has no timestamps (file order). */
  next(value: number, time: number): SeriesPointScore {
    const ev = new EvidenceBuilder();
    // A constant history has MAD 0: the floor keeps a change measurable without making it infinite.
    const floor = 1e-3 * Math.abs(this.values.size ? this.values.median() : value) + 1e-9;
    const level = robustPosition(this.values, value, floor, MIN_HISTORY);
    if (level) ev.add(1, zEvidence(level.z, 3, 8), { feature: 'level', value, typical: round(level.median, 6), robust_z: round(level.z, 2), of: this.values.size });
    const step = value - this.lastValue;
    if (!Number.isNaN(step)) {
      const change = robustPosition(this.steps, step, floor, MIN_HISTORY);
      if (change) ev.add(0.5, zEvidence(change.z, 3, 8), { feature: 'change', value: round(step, 6), typical: round(change.median, 6), robust_z: round(change.z, 2), of: this.steps.size });
    }
    let gap = false;
    if (!Number.isNaN(time) && !Number.isNaN(this.lastTime)) {
      const interval = time - this.lastTime;
      gap = this.intervals.size >= MIN_HISTORY && interval > 3 * this.intervals.median();
      this.intervals.add(interval);
    }
    const scored = ev.done();
    const out: SeriesPointScore = { ...scored, history: this.count, robustZ: level ? round(level.z, 4) : NaN, typical: this.values.size ? this.values.median() : NaN, gap };
    this.values.add(value);
    if (!Number.isNaN(step)) this.steps.add(step);
    this.lastValue = value;
    this.lastTime = time;
    this.count++;
    return out;
  }
}
