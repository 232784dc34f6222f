import type { Condition } from './alert.js';
import type { AlertRule } from './rule.js';

interface SurgeRow {
  source_name: string;
  dead_letters: number;
  first_at: string;
  last_at: string;
  reasons: [string, number][];
  positions: number[];
}

/** Sample positions in the evidence: enough to open the file at the right lines. */
const SAMPLE = 10;

/**
 * One alert per input source that dead-lettered at least the threshold of records within the
 * window before now (wall clock: a feed breaking is about arrival, not event time), for the admin
 * who runs the feeds. The evidence counts the reasons and gives positions to look at. It clears once
 * the window holds fewer again.
 */
export const DEAD_LETTER_SURGE_RULE: AlertRule = {
  kind: 'dead_letter_surge',
  ownerRole: 'admin',
  description: 'An input source with at least LEDGERLINE_ALERT_DEAD_LETTER_SURGE dead letters received in the last LEDGERLINE_ALERT_DEAD_LETTER_WINDOW_MINUTES minutes.',
  documentRule: false,
  async evaluate({ store, settings, now }) {
    const since = new Date(now.getTime() - settings.deadLetterWindowMinutes * 60_000).toISOString();
    const rows = await store.query<SurgeRow>(
      `SELECT source_name, count() AS dead_letters,
              formatDateTime(min(received_at), '%Y-%m-%dT%H:%i:%S.%fZ') AS first_at, formatDateTime(max(received_at), '%Y-%m-%dT%H:%i:%S.%fZ') AS last_at,
              arraySlice(arraySort(x -> -x.2, arrayMap(k -> (k, countEqual(groupArray(reason), k)), groupUniqArray(reason))), 1, 5) AS reasons,
              arraySlice(arraySort(groupArray(position)), 1, ${SAMPLE}) AS positions
       FROM (SELECT * FROM dead_letters FINAL WHERE received_at >= parseDateTime64BestEffort({since:String}, 3))
       GROUP BY source_name HAVING dead_letters >= {threshold:UInt64}
       ORDER BY source_name`,
      { since, threshold: settings.deadLetterSurge },
    );
    return rows.map((r): Condition => {
      const count = Number(r.dead_letters);
      return {
        key: r.source_name,
        severity: count >= 10 * settings.deadLetterSurge ? 'critical' : 'high',
        ownerRole: 'admin',
        title: `${count} records from ${r.source_name} dead-lettered in the last ${settings.deadLetterWindowMinutes} min (threshold ${settings.deadLetterSurge})`,
        subject: { company: '', source: r.source_name },
        evidence: {
          source: r.source_name,
          dead_letters: count,
          window_minutes: settings.deadLetterWindowMinutes,
          threshold: settings.deadLetterSurge,
          first_at: r.first_at,
          last_at: r.last_at,
          top_reasons: r.reasons.map(([reason, n]) => ({ reason, count: Number(n) })),
          sample_positions: r.positions.map(Number),
        },
        observedAt: r.last_at,
      };
    });
  },
};
