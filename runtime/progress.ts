/** A one-line progress display on a TTY (stderr); silent otherwise so logs and pipes stay clean. */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
  }

  update(label: string, events: number, fraction?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(events / seconds) : 0;
    const pct = fraction === undefined ? '' : ` ${(fraction * 100).toFixed(1)}%`;
    this.stream.write(`\r\x1b[K${label}${pct} · ${events.toLocaleString('en')} events · ${rate.toLocaleString('en')}/s`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
