/**
 * Request validation from the route table: query parameters (unknown names, repeats, types, ranges,
 * formats, choices), path parameters and JSON bodies. A bad request gets 400 with what was wrong and
 * what is accepted; the handler then reads the converted values with `validated(res)`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isValidInstant } from '../events/validate.js';
import { HttpError } from './http-error.js';
import type { QueryParam, Route } from './routes.js';

export interface Validated {
  query: Record<string, string | number>;
  params: Record<string, string>;
  body: Record<string, unknown>;
}

/** The request's parameters and body as validated against its route. */
export function validated(res: Response): Validated {
  const v = res.locals.validated as Validated | undefined;
  if (v === undefined) throw new Error('validated(res) outside a route of the table: mount the handler through app.ts');
  return v;
}

/** Echoes of client input are cut short: an error message is not a place to reflect large input. */
function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export function parseQueryParam(name: string, raw: unknown, spec: QueryParam): string | number {
  if (typeof raw !== 'string' || raw.length === 0) throw new HttpError(400, `${name} must be one non-empty string (given once)`);
  if (spec.type === 'string') {
    const max = spec.maxLength ?? 200;
    if (raw.length > max) throw new HttpError(400, `${name} must be one non-empty string of at most ${max} characters`);
    if (spec.format === 'date-time' && !isValidInstant(raw)) throw new HttpError(400, `${name} must be an ISO-8601 instant with a zone, e.g. 2025-03-01T00:00:00Z (got ${shown(raw)})`);
    if (spec.enum !== undefined && !spec.enum.includes(raw)) throw new HttpError(400, `${name} ${shown(raw)} is not one of ${spec.enum.join(', ')}`);
    return raw;
  }
  const n = spec.type === 'integer' ? (/^[+-]?\d+$/.test(raw) ? Number(raw) : NaN) : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
  if (!(n >= spec.minimum && n <= spec.maximum)) throw new HttpError(400, `${name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'} from ${spec.minimum} to ${spec.maximum} (got ${shown(raw)})`);
  return n;
}

function validateQuery(route: Route, q: Record<string, unknown>): Record<string, string | number> {
  const known = route.query ?? {};
  const names = Object.keys(known);
  const out: Record<string, string | number> = {};
  for (const name of Object.keys(q)) {
    if (!(name in known)) {
      throw new HttpError(400, names.length ? `unknown query parameter ${shown(name)} (known: ${names.join(', ')})` : `unknown query parameter ${shown(name)}: ${route.method.toUpperCase()} ${route.path} takes none`);
    }
  }
  for (const [name, spec] of Object.entries(known)) {
    if (q[name] === undefined) {
      if (spec.required) throw new HttpError(400, `${name} is required: ${spec.description}`);
      continue;
    }
    out[name] = parseQueryParam(name, q[name], spec);
  }
  return out;
}

function validateParams(route: Route, params: Record<string, string>): Record<string, string> {
  for (const [name, spec] of Object.entries(route.pathParams ?? {})) {
    const v = params[name] ?? '';
    if (v.length > (spec.maxLength ?? 200)) throw new HttpError(400, `path parameter ${name} is longer than ${spec.maxLength ?? 200} characters: ${spec.description}`);
  }
  return params;
}

/** The first problems of a body, each as `field: what is wrong`. */
export function bodyProblems(schema: TSchema, body: unknown): string[] {
  const problems: string[] = [];
  for (const e of Value.Errors(schema, body)) {
    const field = e.path === '' ? 'body' : e.path.slice(1).replace(/\//g, '.');
    const s = e.schema as { anyOf?: { const?: unknown }[] };
    const choices = s.anyOf?.every((x) => x.const !== undefined) ? s.anyOf.map((x) => String(x.const)) : undefined;
    const message =
      e.path !== '' && e.value === undefined
        ? 'is required'
        : choices
          ? `must be one of ${choices.join(', ')}`
          : e.message.replace(/^Expected/, 'expected').replace(/^Unexpected property/, 'is not a known field');
    if (!problems.some((p) => p.startsWith(`${field}:`))) problems.push(`${field}: ${message}`);
    if (problems.length >= 5) break;
  }
  return problems;
}

/** Whether the request carries a body at all (an empty one is none), as HTTP/1.1 frames it. */
function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || (req.get('content-length') ?? '0') !== '0';
}

/** Validates the query, path and (for routes with one) body of a request to `route`. */
export function validateRequest(route: Route): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const v: Validated = { query: validateQuery(route, req.query as Record<string, unknown>), params: validateParams(route, req.params as Record<string, string>), body: {} };
    if (route.body !== undefined && !hasBody(req) && !(route.body.required as readonly string[] | undefined)?.length) {
      // Nothing to say (POST …/ack): `curl -X POST` without a body and a Content-Type is enough.
      v.body = {};
    } else if (route.body !== undefined) {
      if (!hasBody(req)) throw new HttpError(400, `${route.method.toUpperCase()} ${route.path} needs a JSON body (fields: ${Object.keys(route.body.properties).join(', ')}), sent with Content-Type: application/json`);
      // express.json leaves the body alone for other content types; a body of another type is not JSON.
      if (!req.is('application/json')) throw new HttpError(415, `${route.method.toUpperCase()} ${route.path} takes a JSON body: send it with Content-Type: application/json`);
      const body: unknown = req.body;
      const problems = bodyProblems(route.body, body);
      if (problems.length) {
        const fields = Object.keys(route.body.properties).join(', ');
        throw new HttpError(400, `invalid request body: ${problems.join('; ')} (fields: ${fields})`);
      }
      v.body = body as Record<string, unknown>;
    }
    res.locals.validated = v;
    next();
  };
}
