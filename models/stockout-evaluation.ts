/**
 * How good stockout-risk scores were, against the stockout days that followed. A score is the
 * probability of a stockout day in [day, day + horizon − 1] for a cell; scored daily, it is judged
 * three ways:
 * - per scored day (cell × day): precision and recall of "risk ≥ threshold" for "a stockout day
 *   follows within the horizon";
 * - as alerts, the way a buyer sees them: an alert opens when the risk reaches the threshold and
 *   closes when it falls below half of it (hysteresis: one alert per condition, not one per wobble).
 *   An alert is right if a stockout day falls while it is open or within the horizon after it
 *   closes (precision); a stockout day was warned of if an alert was open on it or on one of the
 *   horizon − 1 days before (recall);
 * - as probabilities: the Brier score next to that of always predicting the base rate
 *   (climatology), and a reliability table (predicted vs observed frequency per risk decile).
 */

export interface RiskScore {
  cell: string;
  /** Days since the epoch. */
  day: number;
  risk: number;
}

export interface RiskEvaluation {
  threshold: number;
  horizon: number;
  scored: number;
  /** Scored days followed by a stockout within the horizon. */
  positives: number;
  daily: { precision: number; recall: number };
  alerts: { alerts: number; precision: number; stockoutDays: number; recall: number };
  brier: number;
  /** Brier score of predicting the base rate everywhere. */
  brierClimatology: number;
  /** 1 − brier ÷ climatology: the share of the uncertainty the scores explain (1 is perfect, ≤ 0 useless). */
  brierSkill: number;
  reliability: { from: number; to: number; n: number; predicted: number; observed: number }[];
}

/**
 * `stockoutDays` holds `${cell}@${day}` for every stockout day. Only stockout days whose warning
 * window lies wholly inside the scored days count for recall.
 */
export function evaluateRisk(scores: readonly RiskScore[], stockoutDays: ReadonlySet<string>, threshold: number, horizon: number): RiskEvaluation {
  const byCell = new Map<string, Map<number, number>>();
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (const s of scores) {
    let days = byCell.get(s.cell);
    if (!days) byCell.set(s.cell, (days = new Map()));
    days.set(s.day, s.risk);
    firstDay = Math.min(firstDay, s.day);
    lastDay = Math.max(lastDay, s.day);
  }
  const stockoutWithin = (cell: string, from: number, to: number) => {
    for (let d = from; d <= to; d++) if (stockoutDays.has(`${cell}@${d}`)) return true;
    return false;
  };

  let tp = 0;
  let fp = 0;
  let fn = 0;
  let positives = 0;
  let brier = 0;
  const labelled: { risk: number; label: boolean }[] = [];
  for (const s of scores) {
    const label = stockoutWithin(s.cell, s.day, s.day + horizon - 1);
    labelled.push({ risk: s.risk, label });
    if (label) positives++;
    const alert = s.risk >= threshold;
    if (alert && label) tp++;
    else if (alert) fp++;
    else if (label) fn++;
    brier += (s.risk - (label ? 1 : 0)) ** 2;
  }
  const base = scores.length ? positives / scores.length : 0;

  let alerts = 0;
  let rightAlerts = 0;
  const open = new Set<string>();
  for (const [cell, days] of byCell) {
    let start = -1;
    for (let d = firstDay; d <= lastDay + 1; d++) {
      const risk = days.get(d) ?? 0;
      if (start < 0 && risk >= threshold) start = d;
      else if (start >= 0 && (risk < threshold / 2 || d > lastDay)) {
        alerts++;
        if (stockoutWithin(cell, start, d - 1 + horizon - 1)) rightAlerts++;
        for (let k = start; k < d; k++) open.add(`${cell}@${k}`);
        start = -1;
      }
    }
  }
  let stockouts = 0;
  let warned = 0;
  for (const key of stockoutDays) {
    const at = key.lastIndexOf('@');
    const cell = key.slice(0, at);
    const day = Number(key.slice(at + 1));
    if (!byCell.has(cell) || day - horizon + 1 < firstDay || day > lastDay) continue;
    stockouts++;
    for (let k = day - horizon + 1; k <= day; k++) {
      if (open.has(`${cell}@${k}`)) {
        warned++;
        break;
      }
    }
  }

  const reliability = [];
  for (let b = 0; b < 10; b++) {
    const from = b / 10;
    const to = (b + 1) / 10;
    const bin = labelled.filter((l) => l.risk >= from && (l.risk < to || (b === 9 && l.risk <= 1)));
    if (bin.length === 0) continue;
    reliability.push({
      from,
      to,
      n: bin.length,
      predicted: bin.reduce((a, l) => a + l.risk, 0) / bin.length,
      observed: bin.filter((l) => l.label).length / bin.length,
    });
  }
  const n = Math.max(1, scores.length);
  const climatology = base * (1 - base);
  return {
    threshold,
    horizon,
    scored: scores.length,
    positives,
    daily: { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn) },
    alerts: { alerts, precision: ratio(rightAlerts, alerts), stockoutDays: stockouts, recall: ratio(warned, stockouts) },
    brier: brier / n,
    brierClimatology: climatology,
    brierSkill: climatology > 0 ? 1 - brier / n / climatology : 0,
    reliability,
  };
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
