import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../api/keys.js';
import { runCli, tempDir, withStore } from '../testing/harness.js';

describe('ledgerline keys', () => {
  it('creates a key shown once and stored hashed, lists keys without secrets, revokes by id', async () => {
    const dataDir = join(tempDir('keys-cli'), 'data');
    const created = await runCli(['keys', 'create', '--role', 'buyer', '--name', 'buyer dashboard', '--data-dir', dataDir]);
    expect(created.code, created.stderr).toBe(0);
    const record = JSON.parse(created.stdout) as { id: string; key: string; role: string; name: string; created_by: string; revoked_at: null };
    expect(record).toMatchObject({ role: 'buyer', name: 'buyer dashboard', revoked_at: null, created_by: expect.stringMatching(/^cli:/) });
    expect(record.key).toMatch(new RegExp(`^${record.id}_[A-Za-z0-9_-]{43}$`));
    expect(created.stderr).toMatch(/cannot be shown again/);

    const bad = await runCli(['keys', 'create', '--role', 'owner', '--name', 'x', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role owner: one of executive, buyer, finance, data_scientist, monitoring, admin/);

    const limited = await runCli(['keys', 'create', '--role', 'buyer', '--name', 'wh1 buyer', '--company', 'acme', '--warehouse', 'WH1', '--warehouse', 'WH2', '--data-dir', dataDir]);
    expect(limited.code, limited.stderr).toBe(0);
    expect(JSON.parse(limited.stdout)).toMatchObject({ companies: ['acme'], warehouses: ['WH1', 'WH2'] });
    const limitedAdmin = await runCli(['keys', 'create', '--role', 'admin', '--name', 'x', '--warehouse', 'WH1', '--data-dir', dataDir]);
    expect(limitedAdmin.code).toBe(2);
    expect(limitedAdmin.stderr).toMatch(/admin key cannot be limited/);

    const listed = await runCli(['keys', 'list', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(record.id);
    expect(listed.stdout).not.toContain(record.key.slice(record.id.length + 1));

    const revoked = await runCli(['keys', 'revoke', record.id, '--data-dir', dataDir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: record.id, revoked_at: expect.stringMatching(/^\d{4}-/), revoked_by: expect.stringMatching(/^cli:/) });

    await withStore(dataDir, async (store) => {
      const rows = JSON.stringify(await store.query('SELECT * FROM api_keys'));
      expect(rows).not.toContain(record.key.slice(record.id.length + 1));
      const check = await new ApiKeys(store).check(record.key);
      expect(check).toMatchObject({ ok: false, reason: 'revoked' });
      const unknown = await new ApiKeys(store).revoke('llk_000000000000', 'test');
      expect(unknown).toBeUndefined();
    });
  }, 120_000);
});
