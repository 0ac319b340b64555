import * as z from 'zod/mini';
import { errorsOf } from './route-spec.ts';
import type { Answer, DeclaredRoute, ErrorAnswer, HeaderSpec, RouteSpec } from './route-spec.ts';
import type { AnswerName } from './answer-shapes.ts';
import type { SchemaMeta } from './schema.ts';
import type { Route } from './types.ts';

/** A JSON Schema (2020-12, the OpenAPI 3.1 dialect); open-ended by nature. */
export type Schema = Record<string, unknown>;

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema>; securitySchemes: Record<string, Schema> };
};

const REF = (id: string): string => `#/components/schemas/${id}`;

/**
 * What the document is made from besides the routes. Handed in rather than imported: this module
 * is loaded on demand, and a second copy of the schemas' registry would know none of them.
 */
export interface Sources {
  documentation: z.core.$ZodRegistry<SchemaMeta>;
  /** The schemas routes name as their answers. */
  answers: Record<AnswerName, z.ZodMiniType>;
  errorBody: z.ZodMiniType;
  fileRule: string;
}

let documentation: Sources['documentation'];
let answers: Sources['answers'];
let fileRule: string;

// Keys of our own documentation that are not JSON Schema.
const OWN_KEYS = ['expected', 'id'];

/** Query strings parsed into numbers or booleans are documented as what they stand for. */
const override = (context: { zodSchema: z.core.$ZodType; jsonSchema: Schema }): void => {
  const meta = documentation.get(context.zodSchema as z.ZodMiniType);
  if (meta?.type !== undefined) {
    for (const key of ['pattern', 'enum', 'anyOf']) delete context.jsonSchema[key];
    context.jsonSchema.type = meta.type;
  }
  // zod leaves these out of input schemas (a default applies to the output); a client sends the input.
  if (meta?.default !== undefined) context.jsonSchema.default = meta.default;
  if (meta?.examples !== undefined) context.jsonSchema.examples = meta.examples;
  for (const key of OWN_KEYS) delete context.jsonSchema[key];
};

/** A schema in place, or a reference to it when it is a component. */
const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output'): Schema => {
  const id = documentation.get(schema)?.id;
  if (id !== undefined) return { $ref: REF(id) };
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', override, metadata: documentation, target: 'draft-2020-12' } as never) as Schema;
  delete generated.$schema;
  return generated;
};

const ERROR_ANSWERS: Record<ErrorAnswer, { status: number; description: string }> = {
  BadRequest: { status: 400, description: 'Invalid input (`validation_error`, or `invalid_page_token`): the message names the field.' },
  Unauthorized: { status: 401, description: 'No caller identity, or (jwt identity mode) a missing, expired or otherwise invalid bearer token (`unauthorized`).' },
  Forbidden: { status: 403, description: 'The caller may not do this (`forbidden`).' },
  NotFound: { status: 404, description: 'No such image (`not_found`).' },
  RequestTimeout: { status: 408, description: 'The body stopped arriving for longer than the idle timeout (`request_timeout`).' },
  Conflict: { status: 409, description: 'In conflict with the current state (`conflict`).' },
  Gone: { status: 410, description: 'Gone (`gone`).' },
  PreconditionFailed: { status: 412, description: 'The If-Match validator is stale (`precondition_failed`).' },
  PayloadTooLarge: { status: 413, description: 'Too large (`payload_too_large`).' },
  UnsupportedMediaType: { status: 415, description: 'The bytes are not a JPEG, PNG, GIF or WebP image (`unsupported_media_type`).' },
  UnprocessableContent: { status: 422, description: 'Not processable (`idempotency_key_reused`).' },
  TooManyRequests: { status: 429, description: 'Too many writes from this client or caller (`rate_limited`); `Retry-After` says when to retry.' },
  ServiceUnavailable: { status: 503, description: 'A store is down (`service_unavailable`); `Retry-After` may say when to retry.' },
};

const IDEMPOTENCY_KEY: HeaderSpec = {
  name: 'Idempotency-Key',
  description:
    'Makes a retry safe (IETF draft "The Idempotency-Key HTTP Header Field"): 1 to 255 visible ASCII characters other than a comma, scoped to the caller and kept 24 h. ' +
    'The same key with the same request (method, path, fields, the file\'s SHA-256) replays the first answer with `Idempotent-Replayed: true` and changes nothing; ' +
    'with a different request it is a 422; while the first request still runs, a 409 with `Retry-After`.',
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};
const REPLAYED = { 'Idempotent-Replayed': { description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key.' } };

const errorRef = (name: ErrorAnswer | 'InternalError', description?: string): Schema =>
  description === undefined ? { $ref: `#/components/responses/${name}` } : { $ref: `#/components/responses/${name}`, description };

function answerObject(answer: Answer): Schema {
  const content =
    answer.schema === undefined ? undefined
    : answer.schema === 'html' ? { 'text/html': { schema: { type: 'string' } } }
    : answer.schema === 'bytes' ? { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } }
    : answer.schema === 'json' ? { 'application/json': { schema: { type: 'object' } } }
    : { 'application/json': { schema: jsonSchema(answers[answer.schema], 'output') } };
  const headers = answer.headers === undefined ? undefined : Object.fromEntries(Object.entries(answer.headers).map(([name, header]) => [name, { ...header, schema: { type: 'string' } }]));
  return { description: answer.description, ...(headers === undefined ? {} : { headers }), ...(content === undefined ? {} : { content }) };
}

function parametersOf(spec: RouteSpec): Schema[] {
  const path = Object.entries(spec.params ?? {}).map(([name, schema]) => {
    const { description, examples, ...rest } = jsonSchema(schema, 'input');
    return { name, in: 'path', required: true, description, schema: rest, ...(Array.isArray(examples) ? { example: examples[0] } : {}) };
  });
  const query = Object.entries(spec.query ?? {}).map(([name, schema]) => {
    const { description, examples, ...rest } = jsonSchema(schema, 'input');
    return { name, in: 'query', required: false, description, schema: rest, ...(Array.isArray(examples) ? { example: examples[0] } : {}) };
  });
  const declared = [...(spec.headers ?? []), ...(spec.idempotent ? [IDEMPOTENCY_KEY] : [])];
  const headers = declared.map((header) => ({
    name: header.name,
    in: 'header',
    required: header.required ?? false,
    description: header.description,
    schema: { type: 'string' },
    ...(header.example === undefined ? {} : { example: header.example }),
  }));
  return [...path, ...query, ...headers];
}

function requestBodyOf(spec: RouteSpec): Schema | undefined {
  if (spec.body === undefined || spec.body.kind === 'stream') return undefined;
  const fields = jsonSchema(spec.body.schema, 'input');
  if (spec.body.kind === 'json') return { required: spec.body.required ?? true, content: { 'application/json': { schema: fields }, 'application/merge-patch+json': { schema: fields } } };
  const properties = (fields.properties ?? {}) as Record<string, Schema>;
  const form = {
    type: 'object',
    required: ['file'],
    // format: binary is what Swagger UI renders as a file picker; contentMediaType is the 3.1 way.
    properties: { file: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream', description: fileRule }, ...properties },
  };
  return { required: true, content: { 'multipart/form-data': { schema: form } } };
}

function operationOf(spec: RouteSpec): Schema {
  const responses: Record<string, Schema> = {};
  for (const [status, answer] of Object.entries(spec.answers)) responses[status] = answerObject(spec.idempotent && Number(status) < 300 ? { ...answer, headers: { ...answer.headers, ...REPLAYED } } : answer);
  const errors = errorsOf(spec);
  for (const [name, description] of Object.entries(errors) as [ErrorAnswer, string | true][]) {
    responses[String(ERROR_ANSWERS[name].status)] = errorRef(name, description === true ? undefined : description);
  }
  responses['500'] = errorRef('InternalError');
  const parameters = parametersOf(spec);
  const body = requestBodyOf(spec);
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    tags: spec.tags,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined ? {} : { requestBody: body }),
    responses,
    // Header identity needs no credentials; jwt identity a bearer token.
    ...(spec.write ? { security: [{}, { bearerAuth: [] }] } : {}),
  };
}

const DESCRIPTION = [
  'Upload, list, fetch, download and delete JPEG, PNG, GIF and WebP images. JSON field names are snake_case.',
  '',
  "**Identity.** Chosen by configuration. `header` (the default, as in the service this one replaces): an upload names its owner in the form field `user_id`, and other writes name the caller in the `X-User-Id` header; nothing verifies them, so the service belongs behind something that sets them. `jwt`: writes need `Authorization: Bearer <JWT>` (issuer, audience and expiry checked), the caller is the token's `sub`, and reads stay open.",
  '',
  '**Strict parameters.** Every operation declares its parameters: an unknown one is a 400 that names it and the accepted ones.',
  '',
  '**Paging.** Page tokens are opaque: pass `next_page_token` back as `page_token` with the same other parameters. A garbled, tampered or foreign token is a 400 `invalid_page_token`.',
  '',
  '**Errors.** Every error body is `{error, message, details?, request_id}`; `error` is a stable code.',
].join('\n');

/**
 * The OpenAPI 3.1 description of the API, generated from the route declarations (their
 * parameters, bodies and answers are the same zod schemas the service validates with), so the
 * document cannot drift from what is served.
 */
export function openApiDocument(version: string, routes: readonly Route[], sources: Sources): OpenApiDocument {
  ({ documentation, answers, fileRule } = sources);
  const paths: OpenApiDocument['paths'] = {};
  for (const served of routes.filter((candidate): candidate is DeclaredRoute => 'spec' in candidate)) {
    const path = served.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [served.method.toLowerCase()]: operationOf(served.spec) };
  }
  const { schemas } = z.toJSONSchema(documentation, { uri: REF, unrepresentable: 'any', override, target: 'draft-2020-12' } as never) as { schemas: Record<string, Schema> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  const error = jsonSchema(sources.errorBody, 'output');
  const responses = Object.fromEntries([
    ...Object.entries(ERROR_ANSWERS).map(([name, { description }]) => [name, { description, content: { 'application/json': { schema: error } } }]),
    ['InternalError', { description: 'An unexpected error (`internal_error`); the request id is also in the log line.', content: { 'application/json': { schema: error } } }],
  ]);
  return {
    openapi: '3.1.0',
    info: { title: 'Image service', version, description: DESCRIPTION },
    tags: [
      { name: 'images', description: 'Upload, read, list and delete images.' },
      { name: 'health', description: 'Liveness and readiness probes.' },
      { name: 'docs', description: 'This document and its viewers.' },
    ],
    paths,
    components: { schemas, responses, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
