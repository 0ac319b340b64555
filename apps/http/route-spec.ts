import * as z from 'zod/mini';
import { invalid } from '../../core/errors.ts';
import type { AnswerName } from './answer-shapes.ts';
import { describeIssue, documentation } from './schema.ts';
import type { SchemaMeta } from './schema.ts';
import type { BodyKind, HttpRequest, HttpResponse, Route } from './types.ts';

type Shape = Record<string, z.ZodMiniType>;
type StrictObject<S extends Shape> = z.ZodMiniObject<S, z.core.$strict>;

/** The shared error answers, documented once each (components.responses). */
export type ErrorAnswer =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'RequestTimeout'
  | 'Conflict'
  | 'Gone'
  | 'PreconditionFailed'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'UnprocessableContent'
  | 'TooManyRequests'
  | 'ServiceUnavailable';

export interface Answer {
  description: string;
  /**
   * A JSON body, by the name of its schema in answer-shapes.ts (named, not imported, so that a
   * cold start never builds them); `html`, `bytes` and `json` are documented by media type only.
   */
  schema?: AnswerName | 'html' | 'bytes' | 'json';
  headers?: Record<string, { description: string; required?: boolean }>;
}

/** A documented header the route reads (identity, preconditions, idempotency). */
export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
  example?: string;
}

export interface Input<Q extends Shape, S extends z.ZodMiniType> {
  query: z.output<StrictObject<Q>>;
  /** The parsed JSON body or upload form fields. */
  body: z.output<S>;
}

/**
 * One route, declared once: its parameters, body and answers are what the service validates,
 * what the handler sees (typed), and what /openapi.json says.
 */
export interface RouteSpec<Q extends Shape = Shape, S extends z.ZodMiniType = z.ZodMiniUndefined> {
  method: Route['method'];
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Path parameters, by name (documentation; the handlers judge their values). */
  params?: Record<string, z.ZodMiniType>;
  query?: Q;
  headers?: HeaderSpec[];
  body?: { kind: Exclude<BodyKind, 'stream'>; schema: S; description?: string; required?: boolean } | { kind: 'stream' };
  /** Success answers with their schemas, and the shared error answers with what they mean here. */
  answers: Record<number, Answer>;
  errors?: Partial<Record<ErrorAnswer, string | true>>;
  /** A write: bearer tokens are documented, and 401/429 answers. */
  write?: true;
  /** Takes an Idempotency-Key: documented with its header, its 409/422 answers and Idempotent-Replayed. */
  idempotent?: true;
  handle(request: HttpRequest, input: Input<Q, S>): Promise<HttpResponse>;
}

/** The documentation of the schema a path leads to, through optional and nullable wrappers. */
function metaAt(schema: z.ZodMiniType, path: PropertyKey[]): SchemaMeta | undefined {
  let node: z.ZodMiniType | undefined = schema;
  for (const key of path) {
    node = unwrap(node);
    const shape = (node?._zod.def as { shape?: Shape }).shape;
    node = shape?.[String(key)];
  }
  return node === undefined ? undefined : documentation.get(unwrap(node)!);
}

function unwrap(schema: z.ZodMiniType | undefined): z.ZodMiniType | undefined {
  let node = schema;
  while (node !== undefined && ['optional', 'nullable', 'default'].includes(node._zod.def.type)) node = (node._zod.def as unknown as { innerType: z.ZodMiniType }).innerType;
  return node;
}

/**
 * Checks a request against its declaration: unknown and ill-typed query parameters, and the
 * shape of its body, each refused with a 400 that names what was wrong and what is accepted.
 * @throws DomainError `validation`
 */
export function parseInput<Q extends Shape, S extends z.ZodMiniType>(spec: RouteSpec<Q, S>, request: HttpRequest): Input<Q, S> {
  const queryShape = spec.query ?? ({} as Q);
  const querySchema = z.strictObject(queryShape);
  const query = querySchema.safeParse({ ...request.query });
  if (!query.success) throw refusal(query.error.issues[0]!, 'query', Object.keys(queryShape), querySchema);

  let body: unknown;
  if (spec.body !== undefined && spec.body.kind !== 'stream') {
    const where = spec.body.kind === 'upload' ? 'form' : 'body';
    const raw = spec.body.kind === 'upload' ? request.upload?.fields : request.body;
    const parsed = spec.body.schema.safeParse(raw ?? {});
    if (!parsed.success) throw refusal(parsed.error.issues[0]!, where, Object.keys((spec.body.schema._zod.def as { shape?: Shape }).shape ?? {}), spec.body.schema);
    body = parsed.data;
  }
  return { query: query.data, body: body as z.output<S> };
}

function refusal(issue: z.core.$ZodIssue, where: 'query' | 'body' | 'form', accepted: string[], schema: z.ZodMiniType) {
  const { message, field, accepted: list } = describeIssue(issue, where, accepted, (path) => metaAt(schema, path));
  return invalid(message, list === undefined ? { field } : { field, accepted: list });
}

const IDEMPOTENCY_ERRORS = {
  Conflict: 'A request with the same Idempotency-Key is still running (`idempotency_key_in_use`); `Retry-After` says when to retry.',
  UnprocessableContent: 'The Idempotency-Key was used for a different request (`idempotency_key_reused`).',
};

/** Every error answer a route documents: its own, and those that writes and idempotent routes share. */
export function errorsOf(spec: RouteSpec): Partial<Record<ErrorAnswer, string | true>> {
  const errors: Partial<Record<ErrorAnswer, string | true>> = {
    ...(spec.write ? { Unauthorized: 'No caller identity: no `X-User-Id` (header mode) or no valid bearer token (jwt mode) (`unauthorized`).', TooManyRequests: true } : {}),
    ...(spec.idempotent ? IDEMPOTENCY_ERRORS : {}),
    ...spec.errors,
  };
  if (spec.idempotent && typeof spec.errors?.Conflict === 'string') errors.Conflict = `${spec.errors.Conflict} Or: ${IDEMPOTENCY_ERRORS.Conflict}`;
  return errors;
}

/** A declared route as the router serves it. */
export function route<Q extends Shape = Record<never, never>, S extends z.ZodMiniType = z.ZodMiniUndefined>(spec: RouteSpec<Q, S>): DeclaredRoute {
  return {
    method: spec.method,
    path: spec.path,
    ...(spec.body === undefined ? {} : { body: spec.body.kind }),
    ...(spec.idempotent === true ? { idempotent: true } : {}),
    spec: spec as unknown as RouteSpec,
    handle: (request) => spec.handle(request, parseInput(spec, request)),
  };
}

/** A route with its declaration, which the OpenAPI document is generated from. */
export type DeclaredRoute = Route & { spec: RouteSpec };

export const isDeclared = (candidate: Route): candidate is DeclaredRoute => 'spec' in candidate;
