/** Width of the bar, in characters. */
const BAR = 24;

/** A one-line progress display on a TTY (stderr); silent otherwise so logs and pipes stay clean. */
export class Progress {
  private last = 0;
  private readonly started: number;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
    this.started = now();
  }

  /** `fraction`: how much of the input is read (0–1), when its size is known: a bar and the time left. */
  update(label: string, events: number, fraction?: number): void {
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.last < 250) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(events / seconds) : 0;
    let done = '';
    if (fraction !== undefined) {
      const f = Math.min(1, Math.max(0, fraction));
      const filled = Math.round(f * BAR);
      // The time left at the pace so far: the rest of the input at the rate the read part took.
      const left = f > 0 && f < 1 ? ` · ~${formatSeconds((seconds * (1 - f)) / f)} left` : '';
      done = ` [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${(f * 100).toFixed(1)}%${left}`;
    }
    this.stream.write(`\r\x1b[K${label}${done} · ${events.toLocaleString('en')} events · ${rate.toLocaleString('en')}/s`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
