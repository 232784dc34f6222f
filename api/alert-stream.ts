/**
 * GET /api/v1/alerts/stream: the audit events of the alerts a caller may see, as server-sent events,
 * fanned out from the one poller of the AlertFeed. Each event is `id: <seq>`, `event: <action>`,
 * `data: {…the audit event, "alert": the alert as it stands}`; a client that reconnects with
 * Last-Event-ID (or ?since=<seq>) gets every event after it, then the live ones.
 *
 * A client that does not read fast enough is closed once `maxBufferBytes` are waiting for it (or,
 * while it catches up, once it has read nothing for `stallMs`), rather than holding memory for it or
 * slowing the others: it reconnects with its Last-Event-ID and catches up from the store at its own
 * pace.
 */
import type { Request, Response } from 'express';
import type { Alert, AlertEvent } from '../alerts/alert.js';
import type { AlertFeed, FeedBatch } from './alert-feed.js';
import { HttpError } from './http-error.js';
import type { Counter } from './metrics.js';

export interface AlertStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream and finds dead connections. */
  heartbeatMs: number;
  /** Bytes waiting to be sent to one client past which it is closed (it resumes with Last-Event-ID). */
  maxBufferBytes: number;
  /** The reconnection delay advertised to EventSource clients. */
  retryMs: number;
  /** A client catching up that reads nothing of a page for this long is closed (it resumes with Last-Event-ID). */
  stallMs: number;
}

export const DEFAULT_STREAM_OPTIONS: AlertStreamOptions = { heartbeatMs: 15_000, maxBufferBytes: 1 << 20, retryMs: 2000, stallMs: 30_000 };

/** Events per page when a client catches up. */
const CATCH_UP_PAGE = 200;

interface Client {
  res: Response;
  /** Whether an alert is the client's to see. */
  sees: (alert: Alert | undefined) => boolean;
  /** Every event with a seq at or below it has been sent, or is not for this client. */
  cursor: number;
  /** Catching up: the live fan-out leaves it alone until it reaches the feed's position. */
  live: boolean;
}

export class AlertStreams {
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly feed: AlertFeed,
    private readonly o: AlertStreamOptions,
    private readonly counters: { sent: Counter; dropped: Counter },
  ) {
    feed.subscribe((batch) => this.fanOut(batch));
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Serves one stream until the client leaves or `close()`. `after`: the seq to resume after (the
   * Last-Event-ID), or undefined to start at the current position.
   */
  async open(req: Request, res: Response, sees: Client['sees'], after: number | undefined): Promise<void> {
    if (this.closed) throw new HttpError(503, 'the server is shutting down: reconnect in a moment (to another instance, if there is one)', { 'Retry-After': '2' });
    await this.feed.ready();
    // Left while the feed was loading: its 'close' has passed, nothing would remove it.
    if (req.socket.destroyed) return;
    if (req.method === 'HEAD') {
      res.status(200).type('text/event-stream').end();
      return;
    }
    // Without a position to resume from, the client starts at the moment it connected: events still
    // settling from before are not its business, and every event after will reach it.
    const client: Client = { res, sees, cursor: after ?? this.feed.clockSeq(), live: false };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    // Kept out of the request latency histogram: a stream lasts as long as the client stays.
    res.locals.untimed = true;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    // The id is the client's position even when no event of its own follows: a reconnect resumes from there.
    res.write(`retry: ${this.o.retryMs}\nid: ${client.cursor}\n: connected\n\n`);
    await this.catchUp(client);
  }

  /** Ends every stream (clients reconnect, to another instance or once this one is back) and stops. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const c of this.clients) {
      c.res.end();
      // A client that does not read would keep the server from closing: give it a second.
      setTimeout(() => c.res.destroy(), 1000).unref();
    }
    this.clients.clear();
  }

  /**
   * Sends a client what is between its cursor and the feed's position, a page at a time at the
   * pace it reads (from memory, or the store when it is further behind), then hands it to the live
   * fan-out. The last pages and the hand-over happen without awaiting, between two polls, so no
   * batch passes unseen.
   */
  private async catchUp(client: Client): Promise<void> {
    const { res } = client;
    while (this.clients.has(client)) {
      if (client.cursor >= this.feed.position) {
        client.live = true;
        return;
      }
      const page = this.feed.inMemory(client.cursor) ? this.feed.recentAfter(client.cursor, CATCH_UP_PAGE) : await this.feed.eventsAfter(client.cursor, CATCH_UP_PAGE);
      if (!this.clients.has(client)) return;
      this.send(client, page.events);
      client.cursor = Math.max(client.cursor, page.to);
      if (res.writableNeedDrain) {
        // Paced by the client's reading, but not waited on forever: one that reads nothing is dropped
        // like a live client that falls behind (else it would hold its buffers until TCP gives up).
        const drained = await new Promise<boolean>((resolve) => {
          const finish = (ok: boolean) => {
            clearTimeout(timer);
            res.off('drain', done);
            res.off('close', done);
            resolve(ok);
          };
          const done = () => finish(true);
          const timer = setTimeout(() => finish(false), this.o.stallMs);
          res.on('drain', done);
          res.on('close', done);
        });
        if (!drained) {
          if (this.clients.has(client)) this.drop(client);
          return;
        }
      }
    }
  }

  private fanOut(batch: FeedBatch): void {
    if (this.clients.size === 0) return;
    // One frame per event, shared by every client that sees it.
    const frames = batch.events.map((e) => ({ e, alert: this.feed.get(e.alert_id), frame: '' }));
    for (const c of this.clients) {
      if (!c.live) continue;
      // Still holding more than its share from earlier batches: it does not keep up.
      if (this.overflowing(c)) {
        this.drop(c);
        continue;
      }
      let out = '';
      let n = 0;
      for (const f of frames) {
        if (f.e.seq <= c.cursor || !c.sees(f.alert)) continue;
        f.frame ||= frame(f.e, f.alert);
        out += f.frame;
        n++;
      }
      if (out.length > this.o.maxBufferBytes) {
        // A burst (an evaluation opening thousands of alerts) is not a slow client: it is paged to
        // this client at its pace instead, as a resume would be.
        c.live = false;
        void this.catchUp(c).catch(() => c.res.destroy());
        continue;
      }
      c.cursor = Math.max(c.cursor, batch.to);
      if (n) {
        c.res.write(out);
        this.counters.sent.inc({}, n);
      }
    }
  }

  private send(c: Client, events: readonly AlertEvent[]): void {
    let out = '';
    let n = 0;
    for (const e of events) {
      const alert = this.feed.get(e.alert_id);
      if (!c.sees(alert)) continue;
      out += frame(e, alert);
      n++;
    }
    if (n) {
      c.res.write(out);
      this.counters.sent.inc({}, n);
    }
  }

  private beat(): void {
    for (const c of this.clients) {
      if (!c.live) continue;
      if (this.overflowing(c)) this.drop(c);
      else c.res.write(`id: ${c.cursor}\n: keep-alive\n\n`);
    }
  }

  private overflowing(c: Client): boolean {
    return c.res.writableLength > this.o.maxBufferBytes;
  }

  private drop(c: Client): void {
    this.clients.delete(c);
    this.counters.dropped.inc({});
    // Destroyed, not ended: ending would wait for the very bytes the client is not reading.
    c.res.destroy();
  }
}

/** One SSE event. JSON.stringify escapes newlines, so the data is one line. */
function frame(e: AlertEvent, alert: Alert | undefined): string {
  return `id: ${e.seq}\nevent: ${e.action}\ndata: ${JSON.stringify({ ...e, alert: alert ?? null })}\n\n`;
}
