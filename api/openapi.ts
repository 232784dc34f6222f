/** The OpenAPI 3.1 document of the API, generated from the route table (served at GET /api/v1/openapi.json). */
import { allowedRoles, openApiPath, pathParamNames, ROLE_DESCRIPTIONS, ROLES, ROUTES, type QueryParam, type Route } from './routes.js';

type Json = Record<string, unknown>;

function querySchema(p: QueryParam): Json {
  if (p.type === 'string') {
    return { type: 'string', minLength: 1, maxLength: p.maxLength ?? 200, ...(p.format ? { format: p.format } : {}), ...(p.enum ? { enum: [...p.enum] } : {}) };
  }
  return { type: p.type, minimum: p.minimum, maximum: p.maximum };
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: ERROR_REF } } });

function operation(route: Route): Json {
  const parameters: Json[] = [
    ...pathParamNames(route.path).map((name) => ({
      name,
      in: 'path',
      required: true,
      description: route.pathParams?.[name]?.description ?? name,
      schema: { type: 'string', minLength: 1, maxLength: route.pathParams?.[name]?.maxLength ?? 200 },
    })),
    ...Object.entries(route.query ?? {}).map(([name, p]) => ({ name, in: 'query', required: p.required === true, description: p.description, schema: querySchema(p) })),
  ];
  const type = route.response.contentType ?? 'application/json';
  const ok: Json = { description: route.response.description, content: { [type]: { schema: { type: type === 'application/json' ? 'object' : 'string' } } } };
  const responses: Json = { [String(route.response.status)]: ok };
  if (parameters.length || route.body) responses['400'] = errorResponse('A parameter or the body is invalid; `error` says which and what is accepted.');
  if (route.access !== 'public') {
    responses['401'] = errorResponse('No API key, or an unknown, malformed or revoked one.');
    responses['403'] = errorResponse(`The key's role may not call this endpoint (allowed: ${allowedRoles(route).join(', ')}).`);
  }
  if (route.body) {
    responses['413'] = errorResponse('The body is larger than LEDGERLINE_API_MAX_BODY_BYTES.');
    responses['415'] = errorResponse('The body is not sent as application/json.');
  }
  responses['429'] = {
    ...errorResponse('Over the rate limit of the key (or address); retry after Retry-After seconds.'),
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
  };
  return {
    operationId: route.id,
    summary: route.summary,
    description: route.access === 'public' ? 'Public: no API key needed.' : `Roles: ${allowedRoles(route).join(', ')}.`,
    tags: [route.tag],
    ...(route.access === 'public' ? { security: [] } : {}),
    'x-roles': route.access === 'public' ? 'public' : [...allowedRoles(route)],
    ...(parameters.length ? { parameters } : {}),
    // A body without required fields may be left out (validate.ts): POST …/ack with nothing to say.
    ...(route.body ? { requestBody: { required: ((route.body.required as string[] | undefined) ?? []).length > 0, content: { 'application/json': { schema: route.body } } } } : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly Route[] = ROUTES, version = '0.1.0'): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) (paths[openApiPath(r.path)] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ledgerline API',
      version,
      description:
        'Stock ledger, KPIs, forecasts, stockout risk, anomaly scores and alerts of Ledgerline. Every endpoint but the public ones needs an API key ' +
        '(`Authorization: Bearer <key>` or `X-API-Key: <key>`) whose role may call it. Roles: ' +
        ROLES.map((r) => `${r} — ${ROLE_DESCRIPTIONS[r]}`).join(' '),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Relative: the document is right whatever host and port serve it.
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from `ledgerline keys create` or POST /api/v1/keys.' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string', description: 'What went wrong and what to do.' },
            code: { type: 'string', enum: ['not_found', 'invalid_transition', 'invalid_request'], description: 'For an alert refused by its lifecycle: 404 not_found, 409 invalid_transition, 400 invalid_request.' },
          },
        },
      },
    },
  };
}
