/**
 * Vitest setup file: removes each test file's temporary directories (stores, generated inputs) once
 * it is done. Registered before the file's own hooks, so it runs after them (vitest runs "after"
 * hooks as a stack): the stores are closed by then. KEEP_TEST_DIRS=1 keeps them to look into.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './harness.js';

afterAll(() => {
  if (process.env.KEEP_TEST_DIRS !== '1') removeTempDirs();
});
