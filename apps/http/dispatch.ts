import { compressed } from './compression.ts';
import type { Logger } from '../logger.ts';
import { DomainError, invalid } from '../../core/errors.ts';
import type { Authenticate } from './authenticate.ts';
import { claimedCaller } from './identity.ts';
import type { WriteLimits } from './write-limits.ts';
import type { IdempotentRequests } from './idempotent-requests.ts';
import { errorResponse } from './errors.ts';
import type { BodySource } from './multipart.ts';
import type { RouteMatch } from './router.ts';
import { JSON_TYPE, isStream } from './types.ts';
import type { HttpRequest, HttpResponse, MultipartUpload, Route } from './types.ts';

/** A request as an entry point received it, before routing. */
export interface IncomingHttp {
  method: string;
  /** The path as sent, still percent-encoded. */
  rawPath: string;
  /** Without the leading `?`. */
  rawQuery: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  requestId: string;
  /** The caller a trusted authorizer in front of the service has verified (API Gateway JWT). */
  authorizedCaller?: string;
  /** The client's address, where the entry point counts writes per address. */
  clientIp?: string;
  /** Reads the upload form, for routes that take one. */
  readUpload(): Promise<MultipartUpload>;
  /** The raw body, refused with 413 past `maxBytes`. */
  readBody(maxBytes: number): Promise<Buffer>;
  /** The body unread, for routes that stream it. */
  stream(): BodySource;
}

// Sent on every answer unless a route sets its own (the documentation pages loosen the CSP):
// nothing the API returns is a page, so nothing may run, load, frame it or be sniffed into HTML.
const STANDARD_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * Everything between an entry point and the routes: routing, query parsing, multipart,
 * error mapping and the request log line, so Express and Lambda answer identically.
 */
export interface DispatchDeps {
  route: (method: string, rawPath: string) => RouteMatch;
  authenticate: Authenticate;
  logger: Logger;
  /** Sees every answer with the route that gave it; tests hold answers to their declarations with it. */
  observe?: (route: Route | undefined, response: HttpResponse) => void;
  /** Writes a minute per address and per caller, where the entry point limits them (Express). */
  limits?: WriteLimits;
  /** The methods some route serves: what CORS may advertise, and nothing more. */
  methods: string[];
  /** Where retries of idempotent routes are recognised. */
  idempotent?: IdempotentRequests;
}

const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export async function dispatch({ route, authenticate, logger, observe, limits, idempotent }: DispatchDeps, incoming: IncomingHttp): Promise<HttpResponse> {
  const started = performance.now();
  let response: HttpResponse;
  let matched: Route | undefined;
  let limitHeaders: Record<string, string> = {};
  const isWrite = WRITES.has(incoming.method);
  const failure = (error: unknown): HttpResponse => {
    const answer = errorResponse(error, incoming.requestId);
    if (answer.status >= 500) logger.error({ request_id: incoming.requestId, err: error }, 'request failed');
    return answer;
  };
  try {
    // Before the body is read: a flood from one address costs no more than its headers.
    if (limits !== undefined && isWrite && incoming.clientIp !== undefined) {
      const verdict = limits.checkIp(incoming.clientIp);
      limitHeaders = verdict.headers;
      if (verdict.refusal !== undefined) throw verdict.refusal;
    }
    const found = route(incoming.method, incoming.rawPath);
    matched = found.route;
    const { params } = found;
    const authorizedCaller = incoming.authorizedCaller ?? (await authenticate(incoming.headers));
    const request: HttpRequest = {
      method: incoming.method,
      path: incoming.rawPath,
      params,
      query: parseQuery(incoming.rawQuery),
      headers: incoming.headers,
      requestId: incoming.requestId,
      ...(authorizedCaller === undefined ? {} : { authorizedCaller }),
    };
    if (matched.body === 'upload') request.upload = await incoming.readUpload();
    if (matched.body === 'json') request.body = await readJsonObject(incoming);
    if (matched.body === 'stream') request.stream = incoming.stream();
    const caller = isWrite ? claimedCaller(request) : undefined;
    if (limits !== undefined && caller !== undefined) {
      const verdict = limits.checkCaller(caller);
      limitHeaders = { ...limitHeaders, ...verdict.headers };
      if (verdict.refusal !== undefined) throw verdict.refusal;
    }
    const handle = matched.handle.bind(matched);
    // A refusal is an answer like any other: it is stored for a retry with the same key.
    const answer = () => handle(request).catch((error: unknown) => failure(error));
    response = idempotent !== undefined && matched.idempotent === true ? await idempotent.run(request, answer) : await handle(request);
  } catch (error) {
    response = failure(error);
  }
  response.headers = { ...STANDARD_HEADERS, ...limitHeaders, 'x-request-id': incoming.requestId, ...response.headers };
  response = compressed(incoming.headers['accept-encoding'], response);
  if (incoming.method === 'HEAD') response = withoutBody(response);
  const ms = Math.round((performance.now() - started) * 10) / 10;
  logger.info({ request_id: incoming.requestId, method: incoming.method, path: incoming.rawPath, status: response.status, ms }, 'request');
  observe?.(matched, response);
  return response;
}

/** A HEAD answer: the GET's status and headers, with the type and length its body would have, and no body. */
function withoutBody(response: HttpResponse): HttpResponse {
  const { body } = response;
  if (body === undefined) return response;
  const headers = { ...response.headers };
  if (isStream(body)) {
    body.destroy();
  } else if (Buffer.isBuffer(body)) {
    headers['content-length'] ??= String(body.length);
  } else {
    headers['content-type'] ??= JSON_TYPE;
    headers['content-length'] ??= String(Buffer.byteLength(JSON.stringify(body)));
  }
  return { ...response, headers, body: undefined };
}

/** Small JSON bodies only: the largest legal one (metadata at its limits) is a few KiB. */
export const JSON_BODY_LIMIT = 16 * 1024;

async function readJsonObject(incoming: IncomingHttp): Promise<Record<string, unknown>> {
  if (!/^application\/(merge-patch\+)?json\s*(;|$)/i.test(incoming.headers['content-type'] ?? '')) {
    throw invalid('The body must be a JSON object sent as application/json (or application/merge-patch+json).');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse((await incoming.readBody(JSON_BODY_LIMIT)).toString('utf8'));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw invalid('The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** Repeated parameters become arrays, as Express's simple parser makes them. */
export function parseQuery(rawQuery: string): HttpRequest['query'] {
  // No prototype, so a parameter named __proto__ is just a parameter.
  const query: HttpRequest['query'] = Object.create(null) as HttpRequest['query'];
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}
