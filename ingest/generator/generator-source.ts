import { Simulation, type GeneratorOptions } from './simulation.js';
import type { Source, SourceBatch, SourceRecord } from '../source.js';

const SPEC_KEYS = ['seed', 'days', 'skus', 'warehouses'] as const;

/**
 * The synthetic distributor streamed straight into the pipeline (no file). Deterministic, so a
 * restart resumes by regenerating and skipping the events already taken.
 */
export class GeneratorSource implements Source {
  readonly id: string;
  readonly name: string;

  constructor(private readonly options: GeneratorOptions, private readonly batchRecords: number) {
    this.id = `generator:${SPEC_KEYS.map((k) => `${k}=${options[k]}`).join(',')}`;
    this.name = this.id;
  }

  /** `seed=1,days=30,skus=20,warehouses=2` (all four required). */
  static fromSpec(spec: string, batchRecords: number): GeneratorSource {
    const values = new Map(spec.split(',').map((kv) => kv.split('=') as [string, string]));
    const opts: Record<string, number> = {};
    for (const key of SPEC_KEYS) {
      const n = Number(values.get(key));
      if (!Number.isInteger(n) || n < (key === 'seed' ? 0 : 1)) {
        throw new Error(`generator input "${spec}": ${key} must be a positive integer (form: generator:seed=1,days=30,skus=20,warehouses=2)`);
      }
      opts[key] = n;
    }
    return new GeneratorSource(opts as unknown as GeneratorOptions, batchRecords);
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    const skip = resumeFrom ? Number(resumeFrom) : 0;
    let position = 0;
    let records: SourceRecord[] = [];
    for (const event of new Simulation(this.options).events()) {
      position++;
      if (position <= skip) continue;
      records.push({ position, raw: '', rawBytes: 0, value: event });
      if (records.length >= this.batchRecords) {
        const at = String(position);
        yield { records, resumeFrom: async () => at, progress: { done: position } };
        records = [];
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const at = String(Math.max(position, skip));
    yield { records, resumeFrom: async () => at, progress: { done: position } };
  }
}
