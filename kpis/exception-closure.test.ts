import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertAction, AlertEvent, AlertKind, AlertStatus, OwnerRole } from '../alerts/alert.js';
import { AlertStore } from '../alerts/alert-store.js';
import { openStore } from '../cli/open-store.js';
import type { ChdbStore } from '../store/chdb-store.js';
import { queryKpi } from '../store/kpi-query.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { kpiSettings } from './kpi.js';

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2025-05-01T08:00:00.000Z');

interface Spec {
  kind: AlertKind;
  owner: OwnerRole;
  company: string;
  warehouse: string;
  /** [action, actor, hours after T0], in order. */
  steps: Array<[AlertAction, string, number]>;
}

/** A seeded mix of alert histories: closed by a person or the engine, dismissed, reopened and closed again, left open; comments and acks between. */
function histories(n: number): Spec[] {
  let s = 7;
  const random = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const kinds: Array<[AlertKind, OwnerRole]> = [['stockout_risk', 'buyer'], ['anomalous_adjustment', 'finance'], ['otif_breach', 'buyer'], ['dead_letter_surge', 'admin']];
  return Array.from({ length: n }, () => {
    const [kind, owner] = pick(kinds);
    let t = random() * 72;
    const steps: Spec['steps'] = [['opened', 'ledgerline', t]];
    for (let occurrence = 0; occurrence < 3; occurrence++) {
      if (random() < 0.5) steps.push([pick(['acknowledged', 'commented', 'assigned'] as const), 'key:llk_0123456789ab', (t += random() * 10)]);
      const r = random();
      if (r < 0.15) break; // left open
      steps.push(r < 0.5 ? ['resolved', 'key:llk_0123456789ab', (t += random() * 50)] : r < 0.75 ? ['resolved', 'ledgerline', (t += random() * 50)] : ['dismissed', 'local', (t += random() * 50)]);
      if (random() < 0.6) break;
      steps.push(['reopened', 'ledgerline', (t += random() * 30)]);
    }
    return { kind, owner, company: pick(['acme', 'beta']), warehouse: kind === 'dead_letter_surge' ? '' : pick(['WH1', 'WH2']), steps };
  });
}

const at = (hours: number) => new Date(T0 + hours * HOUR_MS).toISOString();

/** The KPI computed here, from the specs alone: per day of each closing and dimension value, Σ hours since the opening it closes, and closings. */
function expected(specs: readonly Spec[], by: 'kind' | 'owner_role' | 'warehouse' | 'closed_by' | 'company') {
  const out = new Map<string, { n: number; d: number }>();
  for (const spec of specs) {
    let openedAt: number | undefined;
    for (const [action, actor, h] of spec.steps) {
      if (action === 'opened' || action === 'reopened') openedAt = h;
      if (action !== 'resolved' && action !== 'dismissed') continue;
      const dim = { kind: spec.kind, owner_role: spec.owner, warehouse: spec.warehouse, company: spec.company, closed_by: actor === 'ledgerline' ? 'engine' : 'person' }[by];
      const key = `${at(h).slice(0, 10)}|${dim}`;
      const v = out.get(key) ?? { n: 0, d: 0 };
      v.n += h - openedAt!;
      v.d += 1;
      out.set(key, v);
    }
  }
  return [...out]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [...k.split('|'), v.n.toFixed(4), v.d.toFixed(4)]);
}

describe('exception closure time', () => {
  let store: ChdbStore;
  const specs = histories(60);
  beforeAll(async () => {
    store = await openStore(testConfig(), join(tempDir('exception-closure'), 'data'));
    let seq = 1;
    const alerts: Alert[] = [];
    const events: AlertEvent[] = [];
    specs.forEach((spec, i) => {
      const id = `${spec.kind}-${i.toString(16).padStart(16, '0')}`;
      let status: AlertStatus = 'open';
      for (const [action, actor, h] of spec.steps) {
        const from = action === 'opened' ? '' : status;
        if (action === 'acknowledged') status = 'acknowledged';
        if (action === 'resolved' || action === 'dismissed') status = action;
        if (action === 'reopened') status = 'open';
        events.push({ alert_id: id, kind: spec.kind, seq: seq++, at: at(h), actor, action, from_status: from, to_status: status, details: {} });
      }
      const last = at(spec.steps.at(-1)![2]);
      alerts.push({
        alert_id: id, kind: spec.kind, condition_key: `c${i}`, company: spec.company, severity: 'medium', owner_role: spec.owner, status, title: id,
        subject: { company: spec.company, ...(spec.warehouse ? { warehouse: spec.warehouse } : {}) }, evidence: {}, condition_active: false,
        observed_at: at(0), first_seen: at(spec.steps[0]![2]), last_seen: last, occurrences: 1, assignee: null, acknowledged_at: null, acknowledged_by: null,
        resolved_at: null, resolved_by: null, resolution: null, updated_at: last, seq: seq++,
      });
    });
    // Events are written out of order, as concurrent writers would land them: the KPI goes by seq, not by insert order.
    await new AlertStore(store).write(alerts, [...events].reverse());
  });
  afterAll(async () => store?.close());

  it('is the mean time from each opening to the closing that ends it, as computed from the trail by hand', async () => {
    expect(specs.filter((s) => s.steps.some(([a]) => a === 'reopened')).length).toBeGreaterThan(3);
    expect(specs.filter((s) => !s.steps.some(([a]) => a === 'resolved' || a === 'dismissed')).length).toBeGreaterThan(3);
    const settings = kpiSettings(testConfig());
    for (const by of ['kind', 'owner_role', 'warehouse', 'closed_by', 'company'] as const) {
      const rows = await queryKpi(store, { name: 'exception_closure_hours', by }, settings);
      expect(rows.map((r) => [r.period, r.dimension, r.numerator.toFixed(4), r.denominator.toFixed(4)]), by).toEqual(expected(specs, by));
      for (const r of rows) expect(r.value).toBeCloseTo(r.numerator / r.denominator, 5);
    }
  });

  it('counts only the companies a caller may see', async () => {
    const rows = await queryKpi(store, { name: 'exception_closure_hours', by: 'company', grain: 'week', companies: ['beta'] }, kpiSettings(testConfig()));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.dimension))).toEqual(new Set(['beta']));
  });
});
