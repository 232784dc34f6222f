import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { isValidInstant } from '../events/validate.js';
import { UsageError } from './errors.js';
import { requireEmbedded } from './open-store.js';

/** `--format`: JSON lines is the one output format. */
export function checkFormat(format: string | undefined): void {
  if (format !== 'json') throw new UsageError(`--format ${format}: only json (JSON lines) is supported`);
}

/** An instant flag (`--as-of`, `--from`, `--to`): absent, or an ISO-8601 instant with a zone. */
export function instantFlag(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isValidInstant(value)) throw new UsageError(`--${name} ${value}: expected an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z`);
  return value;
}

/** A `--port` flag, or the configured port. */
export function portFlag(value: string | undefined, config: Config): number {
  const port = value !== undefined ? Number(value) : config.LEDGERLINE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${value}: expected 0–65535`);
  return port;
}

/** The flags of a command that follows a source into the embedded store (`odoo`, `debezium`), checked. */
export function followerFlags(command: string, argv: string[], config: Config, configHint: string): { configPath: string; dataDir: string | undefined; once: boolean; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string' },
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
    },
  });
  if (!values.config) throw new UsageError(`ledgerline ${command} needs --config FILE (${configHint})`);
  requireEmbedded(config, command);
  return { configPath: values.config, dataDir: values['data-dir'], once: values.once ?? false, port: portFlag(values.port, config) };
}
