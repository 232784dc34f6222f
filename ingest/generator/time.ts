/**
 * Fast ISO-8601 formatting for the generator's hot path: `new Date(ms).toISOString()` per event is a
 * noticeable share of generation time, and every timestamp lies on a day the formatter has seen.
 * Output is identical to `toISOString()` (`YYYY-MM-DDTHH:mm:ss.sssZ`).
 */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

const P2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export class IsoFormatter {
  private readonly days: string[] = [];

  /** `originMs` must be a UTC midnight; instants before it fall back to Date. */
  constructor(private readonly originMs: number) {}

  /** YYYY-MM-DD of day index `day` after the origin. */
  day(day: number): string {
    let s = this.days[day];
    if (s === undefined) {
      s = new Date(this.originMs + day * DAY_MS).toISOString().slice(0, 10);
      this.days[day] = s;
    }
    return s;
  }

  iso(ms: number): string {
    const rel = ms - this.originMs;
    if (rel < 0 || !Number.isInteger(ms)) return new Date(ms).toISOString();
    const day = Math.floor(rel / DAY_MS);
    let t = rel - day * DAY_MS;
    const h = Math.floor(t / HOUR_MS);
    t -= h * HOUR_MS;
    const m = Math.floor(t / MINUTE_MS);
    t -= m * MINUTE_MS;
    const s = Math.floor(t / 1000);
    return `${this.day(day)}T${P2[h]}:${P2[m]}:${P2[s]}.${P3[t - s * 1000]}Z`;
  }
}
