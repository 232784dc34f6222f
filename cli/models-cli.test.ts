import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDataset } from '../ingest/generator/write-dataset.js';
import { runCli, runInputs, tempDir, testConfig, withStore } from '../testing/harness.js';

describe('ledgerline models', () => {
  it('trains, backtests, promotes, rolls back and scores, as the README shows', async () => {
    const dir = tempDir('models-cli');
    await writeDataset({ seed: 5, days: 90, skus: 6, warehouses: 2, out: dir });
    const data = join(dir, 'data');
    await withStore(data, (store) => runInputs(store, testConfig(), [join(dir, 'events.jsonl')]));
    const env = { LEDGERLINE_MODEL_DIR: join(dir, 'artifacts') };
    const cli = async (...args: string[]) => runCli(['models', ...args, '--data-dir', data], env);
    const json = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

    expect((await cli('list')).stdout).toBe('');
    const first = await cli('train', '--note', 'baseline auto');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/backtesting .*100%/);
    const [v1] = json(first.stdout);
    expect(v1).toMatchObject({ version: 1, status: 'candidate', spec: { kind: 'auto', horizon: 28, level: 0.8 }, train_from: '2025-01-01', train_to: '2025-03-30', series: 12, note: 'baseline auto' });
    expect(Object.keys(v1!.backtest as object)).toEqual(['auto', 'seasonal-naive', 'ets']);
    expect(existsSync(join(dir, 'artifacts', 'demand-forecast', 'v1', 'backtest.json'))).toBe(true);
    const second = await cli('train', '--method', 'sba', '--horizon', '14', '--level', '0.9', '--origins', '2');
    expect(json(second.stdout)[0]).toMatchObject({ version: 2, spec: { kind: 'sba', horizon: 14, level: 0.9 } });

    const backtest = await cli('backtest', '2', '--origins', '1');
    expect(backtest.code, backtest.stderr).toBe(0);
    expect(json(backtest.stdout)[0]).toMatchObject({ version: 2 });

    expect(json((await cli('promote', '1')).stdout)).toEqual([{ kind: 'demand-forecast', promoted: 1, retired: null }]);
    expect(json((await cli('promote', '2')).stdout)).toEqual([{ kind: 'demand-forecast', promoted: 2, retired: 1 }]);
    const scored = await cli('score');
    expect(scored.code, scored.stderr).toBe(0);
    expect(json(scored.stdout)[0]).toMatchObject({ as_of: '2025-03-31', cells: 12, model_version: 2 });
    expect(json((await cli('rollback')).stdout)).toEqual([{ kind: 'demand-forecast', promoted: 1, retired: 2 }]);
    expect(json((await cli('list')).stdout).map((v) => [v.version, v.status])).toEqual([
      [1, 'promoted'],
      [2, 'retired'],
    ]);

    const noEarlier = await cli('rollback');
    expect(noEarlier.code).toBe(1);
    expect(noEarlier.stderr).toMatch(/^ledgerline: demand-forecast version 1 was the first promoted/);
    const unknown = await cli('promote', '9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no demand-forecast model version 9: see `ledgerline models list`/);
    const badMethod = await cli('train', '--method', 'prophecy');
    expect(badMethod.code).toBe(1);
    expect(badMethod.stderr).toMatch(/kind "prophecy" is not a forecast method/);

    // A trained global model keeps its weights with the version, and scoring loads them.
    const global = await cli('train', '--method', 'global-tfjs', '--horizon', '14', '--params', '{"epochs":2}', '--origins', '1');
    expect(global.code, global.stderr).toBe(0);
    const [v3] = json(global.stdout);
    expect(v3).toMatchObject({ version: 3, artifact: join(dir, 'artifacts', 'demand-forecast', 'v3') });
    for (const file of ['model.json', 'weights.bin', 'spec.json', 'backtest.json']) expect(existsSync(join(dir, 'artifacts', 'demand-forecast', 'v3', file)), file).toBe(true);
    expect(json((await cli('promote', '3')).stdout)).toEqual([{ kind: 'demand-forecast', promoted: 3, retired: 1 }]);
    const globalScore = await cli('score');
    expect(globalScore.code, globalScore.stderr).toBe(0);
    expect(json(globalScore.stdout)[0]).toMatchObject({ model_version: 3, method_counts: { 'global-tfjs': 12 } });

    // The anomaly autoencoders: trained on the scored documents, promoted, applied by the scoring.
    const anomaly = await cli('train', '--kind', 'anomaly', '--epochs', '20');
    expect(anomaly.code, anomaly.stderr).toBe(0);
    const [a1] = json(anomaly.stdout);
    expect(a1).toMatchObject({ kind: 'anomaly-autoencoder', version: 1, status: 'candidate', spec: { model: 'autoencoder', epochs: 20 } });
    expect((a1!.metrics as Record<string, unknown>).purchase).toMatchObject({ trained: { epochs: 20 } });
    expect(existsSync(join(dir, 'artifacts', 'anomaly-autoencoder', 'v1', 'purchase', 'model.json'))).toBe(true);
    expect(json((await cli('promote', '1', '--kind', 'anomaly')).stdout)).toEqual([{ kind: 'anomaly-autoencoder', promoted: 1, retired: null }]);
    const withAnomalies = await cli('score');
    expect(json(withAnomalies.stdout)[0]!.anomalies).toMatchObject({ model_version: 1 });
    expect((json(withAnomalies.stdout)[0]!.anomalies as { documents: number }).documents).toBeGreaterThan(50);
    expect((await cli('backtest', '1', '--kind', 'anomaly')).stderr).toMatch(/only forecast models are backtested/);
    expect(json((await cli('list')).stdout).map((v) => `${v.kind} ${v.version} ${v.status}`)).toEqual([
      'demand-forecast 1 retired',
      'demand-forecast 2 retired',
      'demand-forecast 3 promoted',
      'anomaly-autoencoder 1 promoted',
    ]);

    const noSub = await cli('retrain');
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toMatch(/models needs one of list, train, backtest, promote, rollback, score/);
  }, 180_000);
});
