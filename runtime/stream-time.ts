/** The maximum of the event times seen, kept cheaply: most are UTC instants of one shape, compared as text. */
export class StreamTime {
  private latest: string | undefined;
  private latestMs: number;
  private moved = false;

  constructor(stored?: string) {
    this.latest = stored;
    this.latestMs = stored === undefined ? -Infinity : Date.parse(stored);
  }

  see(occurredAt: string): void {
    const latest = this.latest;
    if (latest !== undefined && occurredAt.length === latest.length && occurredAt.endsWith('Z') && latest.endsWith('Z')) {
      if (occurredAt <= latest) return;
    } else if (Date.parse(occurredAt) <= this.latestMs) return;
    this.latest = occurredAt;
    this.latestMs = Date.parse(occurredAt);
    this.moved = true;
  }

  /** The latest event time as UTC ISO, if it moved since the last `take`. */
  take(): string | undefined {
    if (!this.moved) return undefined;
    this.moved = false;
    return new Date(this.latestMs).toISOString();
  }
}
