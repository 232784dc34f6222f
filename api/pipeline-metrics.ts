/**
 * What /metrics reads about the pipeline and the alerts from the store at each scrape, so that an
 * API process reports the job whichever process runs it (`ledgerline run`, a separate `ledgerline
 * api`, other instances): the store is where every stage leaves its trace.
 *
 * - `ledgerline_pipeline_events_total{stage}`: `read` — records from the sources that were kept
 *   (logged or dead-lettered; a redelivered copy the log deduplicated is not counted); `dead_lettered`;
 *   `logged` — events in the embedded event log; `processed` — logged events every processor
 *   partition has committed past (the lowest committed offset: a lower bound while a run is under way,
 *   exact once it is idle).
 * - Lag: `ledgerline_pipeline_log_end_offset` and `ledgerline_pipeline_committed_offset{partition}`,
 *   their difference at the slowest partition as `ledgerline_pipeline_lag_offsets`; and in event time,
 *   `ledgerline_pipeline_stream_time_seconds` (the latest event time processed) with
 *   `ledgerline_pipeline_stream_lag_seconds` = now − stream time. In the distributed mode the offsets
 *   live in Kafka (consumer-group lag is the broker's metric); the stream time is the store's in both.
 * - `ledgerline_alerts_live{kind, severity, status}`: alerts open or acknowledged, every combination
 *   reported (0 included) so that a rule firing for the first time is an increase, not a new series.
 */
import { ALERT_KINDS, SEVERITIES } from '../alerts/alert.js';
import { Checkpoints, streamTime } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';
import type { Sample } from './metrics.js';

const PARTITION_PREFIX = 'processors/partition/';
const LIVE = ['open', 'acknowledged'] as const;

export async function pipelineSamples(store: Store, now: () => number = Date.now): Promise<Sample[]> {
  const committed = [...(await new Checkpoints(store).withPrefix(PARTITION_PREFIX))].map(([name, value]) => ({ partition: name.slice(PARTITION_PREFIX.length), offset: Number(value) }));
  const slowest = committed.length ? Math.min(...committed.map((c) => c.offset)) : 0;
  const [row] = await store.query<{ logged: string; dead: string; end: string; processed: string }>(
    `SELECT toString((SELECT count() FROM events)) AS logged, toString((SELECT count() FROM dead_letters FINAL)) AS dead,
            toString((SELECT ifNull(max(log_offset), 0) FROM events)) AS end,
            toString((SELECT count() FROM events WHERE log_offset <= {slowest:UInt64})) AS processed`,
    { slowest },
  );
  const logged = Number(row?.logged ?? 0);
  const dead = Number(row?.dead ?? 0);
  const end = Number(row?.end ?? 0);
  const time = await streamTime(new Checkpoints(store));
  const stage = (s: string, value: number): Sample => ({
    name: 'ledgerline_pipeline_events_total',
    help: 'Events per pipeline stage: read (kept from the sources), dead_lettered, logged (embedded event log), processed (committed by every processor partition).',
    type: 'counter',
    labels: { stage: s },
    value,
  });
  return [
    stage('read', logged + dead),
    stage('dead_lettered', dead),
    stage('logged', logged),
    stage('processed', committed.length ? Number(row?.processed ?? 0) : 0),
    { name: 'ledgerline_pipeline_log_end_offset', help: 'Highest offset in the embedded event log.', type: 'gauge', value: end },
    ...committed.map(
      (c): Sample => ({ name: 'ledgerline_pipeline_committed_offset', help: 'Log offset up to which a processor partition has committed its outputs.', type: 'gauge', labels: { partition: c.partition }, value: c.offset }),
    ),
    { name: 'ledgerline_pipeline_lag_offsets', help: 'Log end offset minus the lowest committed offset: events not yet processed by the slowest partition.', type: 'gauge', value: Math.max(0, end - (committed.length ? slowest : 0)) },
    ...(time === undefined
      ? []
      : [
          { name: 'ledgerline_pipeline_stream_time_seconds', help: 'The latest event time processed (occurred_at), seconds since the Unix epoch.', type: 'gauge' as const, value: Date.parse(time) / 1000 },
          { name: 'ledgerline_pipeline_stream_lag_seconds', help: 'Now minus the latest event time processed: how far behind the ERP the figures are.', type: 'gauge' as const, value: Math.max(0, (now() - Date.parse(time)) / 1000) },
        ]),
  ];
}

export async function alertSamples(store: Store): Promise<Sample[]> {
  const rows = await store.query<{ kind: string; severity: string; status: string; n: string }>(
    `SELECT kind, severity, status, toString(count()) AS n FROM alerts FINAL WHERE status IN ('open', 'acknowledged') GROUP BY kind, severity, status`,
  );
  const counts = new Map(rows.map((r) => [`${r.kind}|${r.severity}|${r.status}`, Number(r.n)]));
  // Kinds no longer in the code (an older version's) still count while they are live.
  const kinds = [...new Set([...ALERT_KINDS, ...rows.map((r) => r.kind)])];
  return kinds.flatMap((kind) =>
    SEVERITIES.flatMap((severity) =>
      LIVE.map((status): Sample => ({
        name: 'ledgerline_alerts_live',
        help: 'Alerts open or acknowledged, by kind, severity and status.',
        type: 'gauge',
        labels: { kind, severity, status },
        value: counts.get(`${kind}|${severity}|${status}`) ?? 0,
      })),
    ),
  );
}
