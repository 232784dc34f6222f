import { isValidInstant } from '../events/validate.js';
import { UsageError } from './errors.js';

/** `--format`: JSON lines is the one output format. */
export function checkFormat(format: string | undefined): void {
  if (format !== 'json') throw new UsageError(`--format ${format}: only json (JSON lines) is supported`);
}

/** An instant flag (`--as-of`, `--from`, `--to`): absent, or an ISO-8601 instant with a zone. */
export function instantFlag(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isValidInstant(value)) throw new UsageError(`--${name} ${value}: expected an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z`);
  return value;
}
