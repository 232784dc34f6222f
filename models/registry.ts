import type { Store } from '../store/store.js';

/**
 * The model registry: versioned models in the store (`model_versions`, `model_events`), their
 * artifacts on disk. A version is a candidate until promoted; one version per kind is promoted at a
 * time and the scoring reads it on every run, so a promotion takes effect without a restart.
 * Rollback promotes the version that was promoted before the current one.
 */
export type ModelStatus = 'candidate' | 'promoted' | 'retired';

export interface ModelVersion {
  kind: string;
  version: number;
  status: ModelStatus;
  /** The model's definition (JSON), e.g. a ForecastSpec. */
  spec: unknown;
  /** Days of data it was trained and backtested on (YYYY-MM-DD), if any. */
  train_from: string | null;
  train_to: string | null;
  series: number;
  /** Backtest report (JSON). */
  metrics: unknown;
  /** Directory of its files (weights), or '' when the spec is all there is. */
  artifact: string;
  note: string;
  created_at: string;
}

/** A registry request that cannot be done as asked (unknown version, nothing to roll back to). */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

interface Row extends Omit<ModelVersion, 'spec' | 'metrics'> {
  spec: string;
  metrics: string;
  seq: string;
}

export class ModelRegistry {
  // Monotonic across processes that write within the same millisecond only by luck: a status change
  // needs a seq above the row it replaces, so it is taken from the clock and the rows seen.
  private seq = Date.now() * 1000;

  constructor(private readonly store: Store) {}

  async list(kind?: string): Promise<ModelVersion[]> {
    const rows = await this.store.query<Row>(
      `SELECT kind, version, status, spec, toString(train_from) AS train_from, toString(train_to) AS train_to, series, metrics, artifact, note,
              formatDateTime(created_at, '%Y-%m-%dT%H:%i:%S.%fZ') AS created_at, toString(seq) AS seq
       FROM model_versions FINAL ${kind ? 'WHERE kind = {kind:String}' : ''} ORDER BY kind, version`,
      kind ? { kind } : {},
    );
    return rows.map(({ seq, ...r }) => {
      const v: ModelVersion = { ...r, version: Number(r.version), series: Number(r.series), spec: JSON.parse(r.spec), metrics: JSON.parse(r.metrics), status: r.status as ModelStatus };
      this.seqs.set(`${v.kind}/${v.version}`, BigInt(seq));
      return v;
    });
  }

  /** The seq of each version's latest row, as last listed: which promotion is the latest. */
  private readonly seqs = new Map<string, bigint>();

  async get(kind: string, version: number): Promise<ModelVersion> {
    return versionIn(await this.list(kind), kind, version);
  }

  /**
   * The promoted version of a kind, or undefined if none was promoted (the scoring then uses its
   * default). Should two promotions have raced, the latest one counts.
   */
  async promoted(kind: string): Promise<ModelVersion | undefined> {
    return this.latestPromoted(await this.list(kind));
  }

  private latestPromoted(versions: readonly ModelVersion[]): ModelVersion | undefined {
    const seq = (v: ModelVersion) => this.seqs.get(`${v.kind}/${v.version}`) ?? 0n;
    return versions.filter((v) => v.status === 'promoted').sort((a, b) => (seq(b) > seq(a) ? 1 : seq(b) < seq(a) ? -1 : 0))[0];
  }

  /**
   * Registers a new candidate version; returns it with its number. `placeFiles` puts the version's
   * files in place once its number is known and returns their directory: before the version is
   * written, so a registered version always has its files.
   */
  async register(
    v: Omit<ModelVersion, 'version' | 'status' | 'created_at' | 'artifact'>,
    actor: string,
    placeFiles?: (version: number) => Promise<string> | string,
  ): Promise<ModelVersion> {
    const [{ next = 1 } = {}] = await this.store.query<{ next: number }>('SELECT max(version) + 1 AS next FROM model_versions WHERE kind = {kind:String}', { kind: v.kind });
    const number = Number(next) || 1;
    const artifact = placeFiles ? await placeFiles(number) : '';
    const version: ModelVersion = { ...v, version: number, status: 'candidate', artifact, created_at: new Date().toISOString() };
    await this.write([version]);
    // The number came from a read: another process registering at the same moment gets the same one.
    const [{ registrations = 1 } = {}] = await this.store.query<{ registrations: number }>(
      'SELECT uniqExact(created_at, artifact) AS registrations FROM model_versions WHERE kind = {kind:String} AND version = {version:UInt32}',
      { kind: v.kind, version: number },
    );
    if (Number(registrations) > 1) {
      throw new RegistryError(`another process registered ${v.kind} version ${number} at the same moment; run the command again (one registry writer at a time)`);
    }
    await this.event(version.kind, version.version, 'register', null, actor);
    return version;
  }

  /** Promotes a version; the one promoted before is retired. */
  async promote(kind: string, version: number, actor: string): Promise<{ promoted: ModelVersion; previous: ModelVersion | undefined }> {
    const versions = await this.list(kind);
    const target = versionIn(versions, kind, version);
    const previous = this.latestPromoted(versions);
    if (previous?.version === version) throw new RegistryError(`${kind} version ${version} is already promoted`);
    const changes: ModelVersion[] = [{ ...target, status: 'promoted' }];
    // Every other promoted version is retired (one, unless two promotions raced).
    for (const v of versions) if (v.status === 'promoted' && v.version !== version) changes.push({ ...v, status: 'retired' });
    await this.write(changes);
    await this.event(kind, version, 'promote', previous?.version ?? null, actor);
    return { promoted: changes[0]!, previous };
  }

  /** Promotes again the version that was promoted before the current one (retiring the current one). */
  async rollback(kind: string, actor: string): Promise<{ promoted: ModelVersion; retired: ModelVersion }> {
    const current = await this.promoted(kind);
    if (!current) throw new RegistryError(`no ${kind} model is promoted: nothing to roll back`);
    const last = await this.promotedBefore(kind, current.version);
    if (last === null) throw new RegistryError(`${kind} version ${current.version} was the first promoted: there is no earlier version to roll back to`);
    const back = await this.get(kind, last);
    const promoted = { ...back, status: 'promoted' as const };
    const retired = { ...current, status: 'retired' as const };
    await this.write([promoted, retired]);
    // The restored version's own predecessor stays its predecessor: a second rollback goes further back.
    await this.event(kind, back.version, 'rollback', await this.promotedBefore(kind, back.version), actor);
    return { promoted, retired };
  }

  /** The version that was promoted when `version` last became the promoted one (null: none). */
  private async promotedBefore(kind: string, version: number): Promise<number | null> {
    const [last] = await this.store.query<{ previous: number | null }>(
      `SELECT previous FROM model_events WHERE kind = {kind:String} AND action IN ('promote', 'rollback') AND version = {version:UInt32}
       ORDER BY seq DESC LIMIT 1`,
      { kind, version },
    );
    return last?.previous == null ? null : Number(last.previous);
  }

  private async write(versions: ModelVersion[]): Promise<void> {
    const [{ top = 0 } = {}] = await this.store.query<{ top: number }>('SELECT max(seq) AS top FROM model_versions');
    this.seq = Math.max(this.seq, Number(top));
    await this.store.insert(
      'model_versions',
      versions.map((v) => ({ ...v, spec: JSON.stringify(v.spec), metrics: JSON.stringify(v.metrics ?? null), seq: ++this.seq })),
    );
  }

  private async event(kind: string, version: number, action: string, previous: number | null, actor: string): Promise<void> {
    const [{ top = 0 } = {}] = await this.store.query<{ top: number }>('SELECT max(seq) AS top FROM model_events');
    await this.store.insert('model_events', [{ kind, version, action, previous, actor, at: new Date().toISOString(), seq: Math.max(Number(top), Date.now() * 1000) + 1 }]);
  }
}

function versionIn(versions: readonly ModelVersion[], kind: string, version: number): ModelVersion {
  const found = versions.find((v) => v.version === version);
  if (!found) throw new RegistryError(`no ${kind} model version ${version}: see \`ledgerline models list\``);
  return found;
}
