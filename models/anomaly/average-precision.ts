/**
 * Average precision of a ranking: the mean, over the positives, of the precision at each one's rank.
 * Ties are broken against the scorer (negatives first), and a positive never scored counts as found
 * at no rank (precision 0).
 */
export function averagePrecision(scored: ReadonlyArray<{ id: string; score: number }>, positives: ReadonlySet<string>): number {
  if (positives.size === 0) throw new Error('average precision needs at least one positive');
  const ranked = [...scored].sort((a, b) => b.score - a.score || Number(positives.has(a.id)) - Number(positives.has(b.id)));
  let hits = 0;
  let sum = 0;
  ranked.forEach((r, i) => {
    if (!positives.has(r.id)) return;
    hits++;
    sum += hits / (i + 1);
  });
  return sum / positives.size;
}
