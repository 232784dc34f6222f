import type { KpiDefinition } from './kpi.js';

/**
 * Each closing of an alert (an audit event `resolved` or `dismissed`), with the opening it closes:
 * the latest `opened` or `reopened` event of the same alert before it (ASOF: a reopened alert is
 * timed from its reopening, not from its first opening). The alert's company, owner role and
 * warehouse are its current ones (alerts FINAL); the engine's closings are told apart from people's
 * by the actor (alerts/alert.ts ENGINE_ACTOR).
 */
const CLOSINGS = `
  SELECT c.at AS closed_at, o.opened_at AS opened_at, c.kind AS kind, c.action AS closure,
         if(c.actor = 'ledgerline', 'engine', 'person') AS closed_by,
         a.company AS company, a.owner_role AS owner_role, a.warehouse AS warehouse
  FROM (SELECT alert_id, kind, seq, at, actor, action FROM alert_events WHERE action IN ('resolved', 'dismissed')) AS c
  ASOF INNER JOIN (SELECT alert_id, seq AS open_seq, at AS opened_at FROM alert_events WHERE action IN ('opened', 'reopened')) AS o
    ON c.alert_id = o.alert_id AND c.seq > o.open_seq
  INNER JOIN (SELECT alert_id, company, owner_role, warehouse FROM alerts FINAL) AS a ON a.alert_id = c.alert_id`;

export const EXCEPTION_CLOSURE_HOURS: KpiDefinition = {
  name: 'exception_closure_hours',
  title: 'Exception closure time (hours)',
  definition:
    'Mean time from an alert opening (or reopening) to its closing — resolved or dismissed, by a person or by the engine when the condition cleared — in hours: how long exceptions stay open.',
  formula: 'Σ hours from opening to closing ÷ closings',
  edgeCases: [
    'Times are the wall-clock times of the audit trail (alert_events: when the engine opened the alert, when it was resolved or dismissed), not event time: handling an exception happens now, whatever the date of the document behind it.',
    'Each closing counts once: an alert reopened and closed again counts twice, the second time from its reopening.',
    'Alerts still open or acknowledged are not counted (no closing yet); their age is in GET /api/v1/alerts (first_seen).',
    'Closings by the engine (the condition cleared and LEDGERLINE_ALERT_AUTO_RESOLVE is on) are included; the closed_by dimension (engine, person) separates them from people’s.',
    'Company, owner role and warehouse are the alert’s as it stands; alerts without a warehouse (a dead-letter surge) have warehouse "".',
  ],
  periodBy: 'UTC day of the closing',
  dimensions: { company: 'company', kind: 'kind', owner_role: 'owner_role', warehouse: 'warehouse', closed_by: 'closed_by', closure: 'closure' },
  units: `
    SELECT toDate(closed_at) AS period_day, company, kind, owner_role, warehouse, closed_by, closure,
           dateDiff('millisecond', opened_at, closed_at) / 3600000.0 AS num, 1.0 AS den
    FROM (${CLOSINGS})`,
};
