/**
 * A reader of server-sent events as the EventSource of a browser reads them (the fields this API
 * sends: id, event, data, retry, comments), for scripts and tests of GET /api/v1/alerts/stream.
 */

export interface SseEvent {
  /** The last event id when the event was dispatched (an id line sets it even without data). */
  id: string;
  event: string;
  data: string;
}

export class SseReader {
  private buffer = '';
  private id = '';
  private event = '';
  private data: string[] = [];
  /** What an EventSource would send as Last-Event-ID on reconnecting. */
  lastEventId = '';

  /** Feeds received text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    let start = 0;
    for (let nl = this.buffer.indexOf('\n', start); nl >= 0; nl = this.buffer.indexOf('\n', start)) {
      const line = this.buffer.slice(start, nl).replace(/\r$/, '');
      start = nl + 1;
      if (line === '') {
        // Dispatch: the id applies even when there is no data to dispatch.
        this.lastEventId = this.id;
        if (this.data.length) out.push({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
        this.data = [];
        this.event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id' && !value.includes('\0')) this.id = value;
      else if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }
}
