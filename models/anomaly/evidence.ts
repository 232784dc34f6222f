/**
 * From per-feature evidence to one score in [0, 1] with its reasons.
 *
 * Each feature contributes evidence e ≥ 0 in robust-σ units beyond what is normal (0 when normal;
 * for a numeric feature, |robust z| − threshold; for a category, its surprisal beyond a rarity
 * threshold; fixed amounts for rule-like features such as a duplicate), times a weight. The score is
 *
 *     score = 1 − exp(−S / K),   S = Σ weight_i · e_i,   K = SCORE_SCALE (3)
 *
 * so that no evidence gives 0, one feature a robust σ beyond its threshold gives 0.28, a feature
 * far out (S = 6) gives 0.86, and several features together approach 1. The mapping is monotone in
 * S, so ranking by score is ranking by total evidence; K only sets where a threshold on the score
 * falls (0.5 ⇔ S ≈ 2.1). Per-feature caps keep one extreme feature from drowning the others.
 */

export const SCORE_SCALE = 3;

/** One reason behind a score: the feature, the value seen, what is normal, and how far it is. */
export interface Reason {
  feature: string;
  value: number | string | null;
  /** The typical value (median of the history), when the feature has one. */
  typical?: number | string | null;
  robust_z?: number;
  /** Weighted evidence this feature added to the score. */
  evidence: number;
  /** Extra context (e.g. how many values the history held). */
  [detail: string]: unknown;
}

export interface Scored {
  score: number;
  /** Reasons with evidence > 0, the strongest first. */
  reasons: Reason[];
}

export function scoreOf(totalEvidence: number): number {
  return totalEvidence <= 0 ? 0 : 1 - Math.exp(-totalEvidence / SCORE_SCALE);
}

/** Collects weighted evidence per feature; `done()` gives the score and its reasons. */
export class EvidenceBuilder {
  private readonly reasons: Reason[] = [];
  private total = 0;

  /** Starts from reasons already given (a document scored again with more evidence). */
  static from(reasons: readonly Reason[]): EvidenceBuilder {
    const b = new EvidenceBuilder();
    for (const r of reasons) {
      b.reasons.push(r);
      b.total += r.evidence;
    }
    return b;
  }

  /** Adds `evidence` (before weighting) for a feature with its details; nothing when there is none. */
  add(weight: number, evidence: number, reason: Omit<Reason, 'evidence'>): void {
    const e = weight * evidence;
    if (!(e > 0)) return;
    this.total += e;
    this.reasons.push({ ...reason, evidence: round(e, 3) } as Reason);
  }

  done(): Scored {
    this.reasons.sort((a, b) => b.evidence - a.evidence || (a.feature < b.feature ? -1 : 1));
    return { score: round(scoreOf(this.total), 6), reasons: this.reasons };
  }
}

/** Rounds for the reasons (readable, and the same digits whatever the platform prints). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
