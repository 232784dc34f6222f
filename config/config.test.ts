import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envExample, loadConfig } from './config.js';

describe('config', () => {
  it('has a default for every setting, and .env.example lists them all', () => {
    const config = loadConfig({});
    expect(config.LEDGERLINE_DATA_DIR).toBe('./data');
    expect(config.LEDGERLINE_HOST).toBe('127.0.0.1');
    expect(readFileSync(new URL('../.env.example', import.meta.url), 'utf8'), 'run `npm run gen`').toBe(envExample());
  });

  it('converts numbers from the environment', () => {
    expect(loadConfig({ LEDGERLINE_PORT: '9000' }).LEDGERLINE_PORT).toBe(9000);
  });

  it('names every bad or unknown setting and where the defaults are', () => {
    const attempt = () => loadConfig({ LEDGERLINE_PORT: 'eighty', LEDGERLINE_BATCH_EVENTS: '5', LEDGERLINE_COLOUR: 'red' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/LEDGERLINE_PORT="eighty"/);
    expect(attempt).toThrow(/LEDGERLINE_BATCH_EVENTS=5/);
    expect(attempt).toThrow(/LEDGERLINE_COLOUR: unknown setting/);
    expect(attempt).toThrow(/\.env\.example/);
  });
});
