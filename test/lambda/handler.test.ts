import { expect } from 'chai';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { makeImage } from '../support/images.ts';
import type { ApiGatewayEvent, ApiGatewayResult } from '../../apps/lambda-handler.ts';

type Handler = (event: ApiGatewayEvent) => Promise<ApiGatewayResult>;

/** An HTTP API (payload 2.0) event, with a JWT authorizer's claims when `sub` is given. */
async function event(method: string, path: string, options: { form?: FormData; headers?: Record<string, string>; sub?: string } = {}): Promise<APIGatewayProxyEventV2> {
  let body: string | undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (options.form !== undefined) {
    const encoded = new Request('http://localhost/', { method: 'POST', body: options.form });
    headers['content-type'] = encoded.headers.get('content-type')!;
    body = Buffer.from(await encoded.arrayBuffer()).toString('base64');
  }
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    isBase64Encoded: body !== undefined,
    ...(body === undefined ? {} : { body }),
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `req-${Math.random()}`,
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(options.sub === undefined ? {} : { authorizer: { jwt: { claims: { sub: options.sub }, scopes: [] } } }),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

const form = (fields: Record<string, string>): FormData => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append('file', new Blob([makeImage({ width: 100, height: 100, format: 'png', size: 2048 })]), 'a.png');
  return data;
};

const json = (result: ApiGatewayResult): Record<string, unknown> => JSON.parse(result.body ?? '') as Record<string, unknown>;

describe('Lambda entry point (apps/lambda.ts)', function () {
  let handler: Handler;

  before(async () => {
    // The module reads its configuration when it loads, as Lambda's cold start does.
    process.env.STORAGE = 'memory';
    process.env.LOG_LEVEL = 'silent';
    ({ handler } = (await import('../../apps/lambda.ts')) as { handler: Handler });
  });
  after(() => {
    delete process.env.STORAGE;
    delete process.env.LOG_LEVEL;
  });

  it('keeps one container across invocations (built at cold start, not per request)', async () => {
    const uploaded = await handler(await event('POST', '/images', { form: form({ user_id: 'alice', title: 'kept' }) }));
    expect(uploaded.statusCode, uploaded.body).to.equal(201);
    const listed = json(await handler(await event('GET', '/users/alice/images')));
    expect((listed.images as { title: string }[]).map((i) => i.title)).to.include('kept');
  });

  it('takes the caller from a JWT authorizer: the upload belongs to sub', async () => {
    const result = await handler(await event('POST', '/images', { form: form({ title: 'mine' }), sub: 'carol' }));
    expect(result.statusCode, result.body).to.equal(201);
    expect((json(result).image as { user_id: string }).user_id).to.equal('carol');
  });

  it('refuses an upload whose user_id is not the authorized caller', async () => {
    const result = await handler(await event('POST', '/images', { form: form({ user_id: 'alice' }), sub: 'mallory' }));
    expect(result.statusCode).to.equal(403);
    expect(json(result).error).to.equal('forbidden');
  });

  it('checks delete ownership against the authorizer, not X-User-Id', async () => {
    const created = json(await handler(await event('POST', '/images', { form: form({}), sub: 'dave' })));
    const path = `/images/${created.image_id as string}`;
    const forged = await handler(await event('DELETE', path, { headers: { 'x-user-id': 'dave' }, sub: 'mallory' }));
    expect(forged.statusCode).to.equal(403);
    const own = await handler(await event('DELETE', path, { sub: 'dave' }));
    expect(own.statusCode).to.equal(200);
  });

  it('reads headers in any case and answers binary bodies base64-encoded', async () => {
    const created = json(await handler(await event('POST', '/images', { form: form({}), sub: 'erin' })));
    const removed = await handler(await event('DELETE', `/images/${created.image_id as string}`, { headers: { 'X-USER-ID': 'erin' } }));
    expect(removed.statusCode).to.equal(200);
    const css = await handler(await event('GET', '/docs/swagger-ui.css'));
    expect(css.isBase64Encoded).to.equal(true);
    expect(Buffer.from(css.body ?? '', 'base64').toString('utf8')).to.include('.swagger-ui');
  });
});
