/**
 * The alerts as this API process serves them, and their audit events as they happen, from ONE
 * poller per app however many clients read: the list endpoint filters an in-memory copy of the
 * alerts table (the engine runs one statement at a time, so a query per request would not carry a
 * dashboard fleet), and the live stream fans out the events the same poll read.
 *
 * Ordering. The position of the stream is the `seq` of alert_events, which writers take from the
 * clock (µs) before their insert lands. Reading "everything above the last seq seen" would skip an
 * event whose insert finished after a later one was read. The poller reads up to a watermark
 * `settleMs` behind the clock instead, and advances to the watermark, not to the last seq it saw:
 * every event at or below the position has been read, so a client resuming after seq N needs
 * exactly the events above N. The cost is that the stream runs about settleMs behind the trail.
 */
import type { Alert, AlertEvent, AlertStatus, AlertKind, OwnerRole, Severity } from '../alerts/alert.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { Store } from '../store/store.js';

export interface AlertFeedOptions {
  /** How often the poller reads the store. */
  pollMs: number;
  /** How far behind the clock the stream position stays, so that inserts still in flight are not skipped. */
  settleMs: number;
  /** Recent events kept in memory for clients resuming after a short disconnection. */
  recentEvents: number;
  log: (line: string) => void;
}

export const DEFAULT_FEED_OPTIONS: Omit<AlertFeedOptions, 'log'> = { pollMs: 300, settleMs: 1000, recentEvents: 10_000 };

/** Events read per query: a resume from far back, or a burst from the engine, is read in pages. */
const PAGE = 2000;

export interface FeedQuery {
  kind?: AlertKind;
  status?: readonly AlertStatus[];
  severity?: Severity;
  owner_role?: OwnerRole;
  warehouse?: string;
  sku?: string;
  vendor?: string;
  assignee?: string;
  /** ISO instant: alerts seen (last_seen) at or after it. */
  since?: string;
  limit: number;
  offset: number;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The order of AlertStore.list: most severe first, then most recently seen, then by id. */
function byListOrder(a: Alert, b: Alert): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.last_seen < b.last_seen ? 1 : a.last_seen > b.last_seen ? -1 : 0) || (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0);
}

/** A batch of events the poller read: everything with seq in (from, to]. */
export interface FeedBatch {
  from: number;
  to: number;
  events: readonly AlertEvent[];
}

export class AlertFeed {
  private readonly store: AlertStore;
  private readonly alerts = new Map<string, Alert>();
  /** The alerts in list order, rebuilt on the first read after a change. */
  private sorted: Alert[] | undefined;
  /** Highest seq of an alert row read. */
  private alertsSeq = 0;
  private pos = 0;
  /** Recent events, seq ascending, holding every event with seq in (recentFrom, pos]. */
  private recent: AlertEvent[] = [];
  private recentFrom = 0;
  private readonly listeners = new Set<(batch: FeedBatch) => void>();
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failing = false;

  constructor(
    store: Store,
    private readonly o: AlertFeedOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new AlertStore(store);
  }

  /** A seq for now: events after it are the ones produced from this moment (writers take seqs from the clock). */
  clockSeq(): number {
    return Math.floor(this.now() * 1000);
  }

  /** The stream position: every event with a seq at or below it has been read. */
  get position(): number {
    return this.pos;
  }

  /**
   * Resolves once the alerts are loaded; the first call starts the poller, which runs until
   * `close()` (its timer does not keep the process alive). A failed first load is retried by the
   * next call.
   */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the alert feed is closed'));
    this.loading ??= this.load().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  /** Called with every batch the poller reads, in order; returns the unsubscribe. */
  subscribe(fn: (batch: FeedBatch) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(id: string): Alert | undefined {
    return this.alerts.get(id);
  }

  /** An alert this process just changed: served at once rather than after the next poll (read your writes). */
  note(alert: Alert): void {
    this.upsert(alert);
  }

  /** The alerts matching `q`, in AlertStore.list's order, with the total before paging. */
  list(q: FeedQuery): { total: number; alerts: Alert[] } {
    this.sorted ??= [...this.alerts.values()].sort(byListOrder);
    const since = q.since === undefined ? undefined : Date.parse(q.since);
    const status = q.status === undefined ? undefined : new Set<string>(q.status);
    const out: Alert[] = [];
    let total = 0;
    for (const a of this.sorted) {
      if (q.kind !== undefined && a.kind !== q.kind) continue;
      if (status !== undefined && !status.has(a.status)) continue;
      if (q.severity !== undefined && a.severity !== q.severity) continue;
      if (q.owner_role !== undefined && a.owner_role !== q.owner_role) continue;
      if (q.warehouse !== undefined && a.subject.warehouse !== q.warehouse) continue;
      if (q.sku !== undefined && a.subject.sku !== q.sku) continue;
      if (q.vendor !== undefined && a.subject.vendor !== q.vendor) continue;
      if (q.assignee !== undefined && a.assignee !== q.assignee) continue;
      if (since !== undefined && Date.parse(a.last_seen) < since) continue;
      if (total >= q.offset && out.length < q.limit) out.push(a);
      total++;
    }
    return { total, alerts: out };
  }

  /**
   * Events with seq in (after, position], at most `limit`; `to`: every event up to it is in
   * `events` (the position, unless the page was full). Read from memory when `after` is recent
   * enough (see `inMemory`), else from the store.
   */
  async eventsAfter(after: number, limit: number): Promise<{ events: AlertEvent[]; to: number }> {
    if (this.inMemory(after)) return this.recentAfter(after, limit);
    const upTo = this.pos;
    const events = await this.store.eventsBetween(after, upTo, limit);
    return { events, to: events.length === limit ? events[events.length - 1]!.seq : upTo };
  }

  /** Whether the events after `after` are all in memory: `recentAfter` then answers without a query. */
  inMemory(after: number): boolean {
    return after >= this.recentFrom || after >= this.pos;
  }

  /** As `eventsAfter`, synchronously, for an `after` that is `inMemory`. */
  recentAfter(after: number, limit: number): { events: AlertEvent[]; to: number } {
    if (after >= this.pos) return { events: [], to: after };
    let lo = 0;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.recent[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    const events = this.recent.slice(lo, lo + limit);
    return { events, to: events.length === limit ? events[events.length - 1]!.seq : this.pos };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private async load(): Promise<void> {
    // The position first: alerts are written before their events, so every event above it finds its alert loaded.
    this.pos = this.recentFrom = this.watermark();
    for (const a of await this.store.all()) this.upsert(a);
    this.schedule(this.o.pollMs);
  }

  private watermark(): number {
    return Math.floor((this.now() - this.o.settleMs) * 1000);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let more = false;
    try {
      const upTo = this.watermark();
      let events: AlertEvent[] = [];
      let to = this.pos;
      if (upTo > this.pos) {
        events = await this.store.eventsBetween(this.pos, upTo, PAGE);
        to = upTo;
        if (events.length === PAGE) {
          // A full page may have cut a seq in two (writers in different processes can take the same
          // µs): the last seq is left whole for the next page.
          const last = events[events.length - 1]!.seq;
          events = events.filter((e) => e.seq < last);
          to = last - 1;
          more = true;
        }
      }
      // After the events: an event read implies its alert's row (written first) is readable now.
      // Re-reads the settle window too, for alert rows whose insert landed late.
      for (const a of await this.store.versionsAfter(this.alertsSeq - this.o.settleMs * 1000)) this.upsert(a);
      if (this.closed) return;
      this.advance(to, events);
      if (this.failing) this.o.log('ledgerline api: the alert feed reads the store again');
      this.failing = false;
    } catch (e) {
      if (this.closed) return;
      // Once per outage, not every poll.
      if (!this.failing) this.o.log(`ledgerline api: the alert feed could not read the store (retrying every ${this.o.pollMs} ms): ${(e as Error)?.message ?? String(e)}`);
      this.failing = true;
    }
    this.schedule(more ? 0 : this.o.pollMs);
  }

  private advance(to: number, events: AlertEvent[]): void {
    const from = this.pos;
    if (to <= from) return;
    this.pos = to;
    if (events.length) {
      this.recent.push(...events);
      const excess = this.recent.length - this.o.recentEvents;
      if (excess > 0) {
        // Dropped in bulk: trimming one at a time would copy the array on every event.
        const cut = Math.max(excess, Math.floor(this.o.recentEvents / 4));
        this.recentFrom = this.recent[cut - 1]!.seq;
        this.recent = this.recent.slice(cut);
      }
    }
    const batch: FeedBatch = { from, to, events };
    for (const fn of this.listeners) {
      try {
        fn(batch);
      } catch (e) {
        this.o.log(`ledgerline api: an alert feed listener failed: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
  }

  private upsert(a: Alert): void {
    const had = this.alerts.get(a.alert_id);
    if (had !== undefined && had.seq >= a.seq) return;
    this.alerts.set(a.alert_id, a);
    this.alertsSeq = Math.max(this.alertsSeq, a.seq);
    this.sorted = undefined;
  }
}
