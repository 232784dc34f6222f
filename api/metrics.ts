/**
 * Prometheus metrics in the text exposition format (0.0.4), written by hand: counters, histograms
 * and gauges read at scrape time by collectors. Other modules (the pipeline, the alert engine) add
 * theirs to the same registry with `counter`, `histogram` or `collect`.
 */

export type Labels = Readonly<Record<string, string>>;

/** A sample computed at scrape time. */
export interface Sample {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labels?: Labels;
  value: number;
}

export interface Counter {
  inc(labels: Labels, by?: number): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** Seconds: from a quick ledger read to a slow KPI over tens of millions of facts. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

function num(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface Family {
  help: string;
  type: 'counter' | 'histogram';
  lines(name: string): string[];
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly collectors: Array<() => Promise<Sample[]> | Sample[]> = [];

  counter(name: string, help: string): Counter {
    const values = new Map<string, { labels: Labels; value: number }>();
    this.add(name, {
      help,
      type: 'counter',
      lines: (n) => [...values.values()].map((v) => `${n}${labelText(v.labels)} ${num(v.value)}`),
    });
    return {
      inc(labels, by = 1) {
        const key = labelText(labels);
        const v = values.get(key);
        if (v) v.value += by;
        else values.set(key, { labels: { ...labels }, value: by });
      },
    };
  }

  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
    const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
    this.add(name, {
      help,
      type: 'histogram',
      lines: (n) =>
        [...series.values()].flatMap((s) => [
          ...buckets.map((b, i) => `${n}_bucket${labelText(s.labels, ['le', num(b)])} ${s.counts[i]}`),
          `${n}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`,
          `${n}_sum${labelText(s.labels)} ${num(s.sum)}`,
          `${n}_count${labelText(s.labels)} ${s.count}`,
        ]),
    });
    return {
      observe(labels, value) {
        const key = labelText(labels);
        let s = series.get(key);
        if (!s) series.set(key, (s = { labels: { ...labels }, counts: buckets.map(() => 0), sum: 0, count: 0 }));
        for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) s.counts[i]!++;
        s.sum += value;
        s.count++;
      },
    };
  }

  /** `fn` runs at every scrape; a collector that fails is reported as `ledgerline_metrics_collector_errors`, not as a failed scrape. */
  collect(fn: () => Promise<Sample[]> | Sample[]): void {
    this.collectors.push(fn);
  }

  async exposition(): Promise<string> {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines(name));
    }
    let errors = 0;
    const gathered = new Map<string, Sample[]>();
    for (const c of this.collectors) {
      try {
        for (const s of await c()) {
          if (!NAME.test(s.name)) throw new Error(`bad metric name ${s.name}`);
          gathered.set(s.name, [...(gathered.get(s.name) ?? []), s]);
        }
      } catch {
        errors++;
      }
    }
    for (const [name, samples] of gathered) {
      out.push(`# HELP ${name} ${samples[0]!.help}`, `# TYPE ${name} ${samples[0]!.type}`, ...samples.map((s) => `${name}${labelText(s.labels ?? {})} ${num(s.value)}`));
    }
    out.push('# HELP ledgerline_metrics_collector_errors Collectors that failed during this scrape (their metrics are missing).', '# TYPE ledgerline_metrics_collector_errors gauge', `ledgerline_metrics_collector_errors ${errors}`);
    return `${out.join('\n')}\n`;
  }

  private add(name: string, family: Family): void {
    if (!NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
    if (this.families.has(name)) throw new Error(`metric ${name} is registered twice`);
    this.families.set(name, family);
  }
}
