import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Container } from 'inversify';
import { createLambdaHandler } from '../../apps/lambda-handler.ts';
import { LAMBDA_MAX_BODY_BYTES } from '../../apps/lambda-handler.ts';
import type { ApiGatewayResult } from '../../apps/lambda-handler.ts';
import type { EntryPoint } from './app.ts';

/** Lambda's synchronous invocation limit: API Gateway refuses larger events itself. */
const INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024;

// API Gateway passes these through as text and base64-encodes everything else.
const isTextual = (contentType: string | undefined): boolean =>
  contentType === undefined || /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i.test(contentType);

/**
 * Serves HTTP by doing what API Gateway does in front of the Lambda handler: builds the event
 * of the chosen payload version from the request, invokes the handler, and turns its result
 * back into an HTTP response (decoding base64 bodies). Events over the invoke limit get the
 * platform's own answer, as they would in AWS.
 */
function apiGatewayEntry(version: '1.0' | '2.0'): EntryPoint {
  return {
    name: `the Lambda handler behind API Gateway (payload ${version})`,
    maxBodyBytes: LAMBDA_MAX_BODY_BYTES,
    answersCors: false,
    ownsContentLength: false,
    streamsBodies: false,
    serve: (container: Container) => serveThroughApiGateway(version, container),
  };
}

function serveThroughApiGateway(version: '1.0' | '2.0', container: Container): RequestListener {
  {
    const handler = createLambdaHandler(container);
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const event = version === '2.0' ? eventV2(req, body) : eventV1(req, body);
        if (Buffer.byteLength(JSON.stringify(event)) > INVOKE_PAYLOAD_LIMIT) {
          send(res, { statusCode: 413, headers: { 'content-type': 'application/json' }, body: '{"message":"Request Too Long"}' });
          return;
        }
        handler(event).then(
          (result) => send(res, result),
          () => send(res, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' }),
        );
      });
    };
  }
}

export const lambdaV2Entry = apiGatewayEntry('2.0');
export const lambdaV1Entry = apiGatewayEntry('1.0');

function encodeBody(req: IncomingMessage, body: Buffer): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  return isTextual(req.headers['content-type']) ? { body: body.toString('utf8'), isBase64Encoded: false } : { body: body.toString('base64'), isBase64Encoded: true };
}

function splitUrl(req: IncomingMessage): { rawPath: string; rawQuery: string } {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  return at === -1 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, at), rawQuery: url.slice(at + 1) };
}

/** HTTP API, payload format 2.0: lower-case headers, repeated values joined with commas. */
function eventV2(req: IncomingMessage, raw: Buffer): APIGatewayProxyEventV2 {
  const { rawPath, rawQuery } = splitUrl(req);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') cookies = [...(cookies ?? []), ...value.split('; ')];
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    queryStringParameters[name] = queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const { body, isBase64Encoded } = encodeBody(req, raw);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: rawQuery,
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(rawQuery === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: req.method ?? 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded,
    ...(body === null ? {} : { body }),
  };
}

/** REST API proxy integration, payload format 1.0: headers as sent, plus multi-value maps. */
function eventV1(req: IncomingMessage, raw: Buffer): APIGatewayProxyEvent {
  const { rawPath, rawQuery } = splitUrl(req);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    headers[name] = req.rawHeaders[i + 1]!;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), req.rawHeaders[i + 1]!];
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  const { body, isBase64Encoded } = encodeBody(req, raw);
  const method = req.method ?? 'GET';
  return {
    resource: '/{proxy+}',
    path: rawPath,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: rawQuery === '' ? null : single,
    multiValueQueryStringParameters: rawQuery === '' ? null : multi,
    pathParameters: { proxy: rawPath.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      authorizer: undefined,
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${rawPath}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'proxy',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body,
    isBase64Encoded,
  };
}

function send(res: ServerResponse, result: Pick<ApiGatewayResult, 'statusCode' | 'headers' | 'body' | 'isBase64Encoded'>): void {
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  res.setHeader('content-length', body.length);
  res.end(body);
}

