import { Readable } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Container } from 'inversify';
import { DomainError } from '../core/errors.ts';
import { dispatchDeps, resolve } from './container.ts';
import { maintain } from './maintenance.ts';
import { TOKENS } from './tokens.ts';
import { dispatch } from './http/dispatch.ts';
import type { IncomingHttp } from './http/dispatch.ts';
import { parseUpload } from './http/multipart.ts';
import { JSON_TYPE, isStream } from './http/types.ts';
import type { HttpResponse } from './http/types.ts';

export type ApiGatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;
export type ApiGatewayResult = APIGatewayProxyStructuredResultV2 & APIGatewayProxyResult;

/**
 * Lambda's synchronous invocation carries at most 6 MB, and API Gateway sends a binary body
 * as base64 (a third larger) inside a JSON event with the headers. 4 MiB of body always fits;
 * larger uploads go straight to storage through POST /uploads.
 */
export const LAMBDA_MAX_BODY_BYTES = 4 * 1024 * 1024;

const isV2 = (event: ApiGatewayEvent): event is APIGatewayProxyEventV2 => (event as APIGatewayProxyEventV2).version === '2.0';

/** What EventBridge sends on the template's schedule (the fields used here). */
export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  source: string;
}

const isScheduled = (event: ApiGatewayEvent | ScheduledEvent): event is ScheduledEvent => (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';

/** How long a scheduled pass may work: well inside the function's 29 s timeout. */
export const MAINTENANCE_BUDGET_MS = 20_000;

/**
 * The Lambda entry point over a built container: API Gateway events in, the shared routes, results
 * out. The same function takes the template's schedule, for the background work a 202 or a trash
 * leaves (erasures, retention): it already holds exactly the permissions that work needs.
 */
export function createLambdaHandler(container: Container): (event: ApiGatewayEvent | ScheduledEvent) => Promise<ApiGatewayResult> {
  const deps = dispatchDeps(container);
  return async (event) => {
    if (isScheduled(event)) {
      await maintain(
        { sweepUploads: resolve(container, TOKENS.SweepExpiredUploads), purgeExpired: resolve(container, TOKENS.PurgeExpired), eraseUsers: resolve(container, TOKENS.EraseUserImages) },
        resolve(container, TOKENS.Logger),
        MAINTENANCE_BUDGET_MS,
      );
      return { statusCode: 204, body: '' };
    }
    return toResult(await buffered(await dispatch(deps, toIncoming(event))));
  };
}

function toIncoming(event: ApiGatewayEvent): IncomingHttp {
  const headers = lowerCaseHeaders(event);
  const body = event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: isV2(event) ? event.requestContext.http.method : event.httpMethod,
    rawPath: isV2(event) ? event.rawPath : event.path,
    rawQuery: isV2(event) ? event.rawQueryString : rawQueryV1(event),
    headers,
    requestId: event.requestContext.requestId,
    ...authorizedCaller(event),
    readBody: async (maxBytes) => {
      if (body.length > maxBytes) throw new DomainError('too_large', 'payload_too_large', `The body is larger than ${maxBytes} bytes.`);
      return body;
    },
    readUpload: async () => {
      if (body.length > LAMBDA_MAX_BODY_BYTES) {
        throw new DomainError(
          'too_large',
          'payload_too_large',
          `Uploads through this API are limited to ${LAMBDA_MAX_BODY_BYTES} bytes (4 MiB) on the serverless deployment; send larger images straight to storage with POST /uploads.`,
          { details: { max_bytes: LAMBDA_MAX_BODY_BYTES, direct_upload: '/uploads' } },
        );
      }
      return parseUpload({ stream: Readable.from([body]), headers: { ...headers, 'content-length': String(body.length) } });
    },
    stream: () => ({ stream: Readable.from([body]), headers: { ...headers, 'content-length': String(body.length) } }),
  };
}

/** Header names in any case, repeated values joined as HTTP joins them. */
function lowerCaseHeaders(event: ApiGatewayEvent): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  if (!isV2(event)) {
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
      if (values !== undefined && values.length > 1) headers[name.toLowerCase()] = values.join(', ');
    }
  }
  if (isV2(event) && event.cookies !== undefined && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  return headers;
}

function rawQueryV1(event: APIGatewayProxyEvent): string {
  const query = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters ?? {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    for (const each of multi[name] ?? [value ?? '']) query.append(name, each);
  }
  return query.toString();
}

/** With a JWT (or Cognito) authorizer in front, API Gateway has already verified the token. */
function authorizedCaller(event: ApiGatewayEvent): { authorizedCaller?: string } {
  const context = event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> }; claims?: Record<string, unknown> } };
  const sub = context.authorizer?.jwt?.claims?.sub ?? context.authorizer?.claims?.sub;
  return typeof sub === 'string' && sub !== '' ? { authorizedCaller: sub } : {};
}

/** API Gateway takes a whole body: a streamed one (the in-memory store's files, in tests) is read into one. */
async function buffered(response: HttpResponse): Promise<HttpResponse> {
  if (!isStream(response.body)) return response;
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
  return { ...response, body: Buffer.concat(chunks) };
}

function toResult(response: HttpResponse): ApiGatewayResult {
  const headers = { ...response.headers };
  if (Buffer.isBuffer(response.body)) {
    return { statusCode: response.status, headers, body: response.body.toString('base64'), isBase64Encoded: true };
  }
  if (response.body === undefined) return { statusCode: response.status, headers, body: '', isBase64Encoded: false };
  return {
    statusCode: response.status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify(response.body),
    isBase64Encoded: false,
  };
}
