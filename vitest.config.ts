import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // dashboards/ has its own node_modules and Evidence's generated template (their tests are not ours).
    exclude: ['node_modules/**', 'dist/**', '**/node_modules/**', 'dashboards/.evidence/**', 'dashboards/.sites/**'],
    // Each test file's temporary directories are removed after it (KEEP_TEST_DIRS=1 keeps them).
    setupFiles: ['testing/remove-temp-dirs.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // chDB allows one process per data directory and is heavy: run test files in separate forks, two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
