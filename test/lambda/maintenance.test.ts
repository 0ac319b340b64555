import { expect } from 'chai';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '../../apps/config.ts';
import { buildContainer } from '../../apps/container.ts';
import { createLambdaHandler } from '../../apps/lambda-handler.ts';
import type { ScheduledEvent } from '../../apps/lambda-handler.ts';
import { memoryStorage } from '../../apps/storage/memory.ts';
import type { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { createLogger } from '../../apps/logger.ts';
import { ManualClock } from '../support/fakes.ts';
import { makeImage } from '../support/images.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An HTTP API (payload 2.0) event with a raw body. */
function event(method: string, path: string, body?: { bytes: Buffer; type: string }, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': body.type }) },
    isBase64Encoded: body !== undefined,
    ...(body === undefined ? {} : { body: body.bytes.toString('base64') }),
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: `req-${Math.random()}` } as APIGatewayProxyEventV2['requestContext'],
  };
}

async function uploadEvent(userId: string): Promise<APIGatewayProxyEventV2> {
  const form = new FormData();
  form.append('user_id', userId);
  form.append('file', new Blob([makeImage({ width: 100, height: 100, format: 'png', size: 2048 })]), 'a.png');
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  return event('POST', '/images', { bytes: Buffer.from(await encoded.arrayBuffer()), type: encoded.headers.get('content-type')! });
}

const SCHEDULED: ScheduledEvent = { 'detail-type': 'Scheduled Event', source: 'aws.events' };

describe('Lambda entry point on its schedule (the background work of the lifecycle)', () => {
  function setup(eraseBudgetMs?: number) {
    const clock = new ManualClock(new Date().toISOString());
    const config = loadConfig({ STORAGE: 'memory', LOG_LEVEL: 'silent', RATE_LIMIT_WRITES_PER_IP: '0', RATE_LIMIT_WRITES_PER_CALLER: '0' });
    const storage = memoryStorage(config, clock);
    const logger = createLogger({ level: 'silent' });
    const handler = createLambdaHandler(buildContainer(config, storage, { clock, logger, ...(eraseBudgetMs === undefined ? {} : { eraseBudgetMs }) }));
    return { clock, handler, objects: () => (storage.blobStore as MemoryBlobStore).size };
  }

  it('erases what stayed in the trash past its purge time, and nothing younger', async () => {
    const { clock, handler, objects } = setup();
    const old = JSON.parse((await handler(await uploadEvent('alice'))).body!) as { image_id: string };
    const young = JSON.parse((await handler(await uploadEvent('alice'))).body!) as { image_id: string };
    expect((await handler(event('DELETE', `/images/${old.image_id}`, undefined, { 'x-user-id': 'alice' }))).statusCode).to.equal(200);
    clock.advance(20 * DAY_MS);
    expect((await handler(event('DELETE', `/images/${young.image_id}`, undefined, { 'x-user-id': 'alice' }))).statusCode).to.equal(200);
    clock.advance(11 * DAY_MS);
    expect(objects()).to.equal(2);
    expect((await handler(SCHEDULED)).statusCode).to.equal(204);
    expect(objects(), 'the expired one is erased').to.equal(1);
    expect((await handler(event('POST', `/images/${old.image_id}/restore`, undefined, { 'x-user-id': 'alice' }))).statusCode).to.equal(404);
    expect((await handler(event('POST', `/images/${young.image_id}/restore`, undefined, { 'x-user-id': 'alice' }))).statusCode).to.equal(200);
  });

  it("finishes an erasure that answered 202, so the status URL reads done", async () => {
    const { handler, objects } = setup(0);
    for (let i = 0; i < 3; i += 1) expect((await handler(await uploadEvent('alice'))).statusCode).to.equal(201);
    const started = await handler(event('DELETE', '/users/alice/images?purge=true', undefined, { 'x-user-id': 'alice' }));
    expect(started.statusCode).to.equal(202);
    await handler(SCHEDULED);
    const status = JSON.parse((await handler(event('GET', '/users/alice/erasure', undefined, { 'x-user-id': 'alice' }))).body!) as { status: string; erased: number };
    expect(status).to.deep.include({ status: 'done', erased: 3 });
    expect(objects()).to.equal(0);
  });
});
