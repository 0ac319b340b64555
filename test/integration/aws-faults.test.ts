import { expect } from 'chai';
import request from 'supertest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { loadConfig } from '../../apps/config.ts';
import type { Config } from '../../apps/config.ts';
import { buildContainer } from '../../apps/container.ts';
import { createExpressApp } from '../../apps/express-app.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import { pendingSuite, startAwsTestStack } from '../support/aws-test-stack.ts';
import type { AwsTestStack } from '../support/aws-test-stack.ts';
import { listenOnLoopback } from '../support/listen.ts';
import type { Listening } from '../support/listen.ts';
import { freePort } from '../support/server-process.ts';
import { upload } from '../support/upload.ts';
import { expectError } from '../http/expect.ts';

/** Backends that fail for real: the AWS test servers stopped mid-run, endpoints on closed ports. */
describe('AWS backend: backend faults', function () {
  this.timeout(60_000);
  let dataDir: string;
  let stack: AwsTestStack | undefined;
  let app: Listening | undefined;

  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-faults-'))));
  afterEach(async () => {
    await app?.close();
    await stack?.close().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  });

  const serve = async (config: Config) => {
    const storage = awsStorage(config.aws, '*');
    await storage.setup().catch(() => {});
    const container = buildContainer(config, storage);
    app = await listenOnLoopback(() => createExpressApp(container));
    return app.url;
  };
  const startStack = async (context: Mocha.Context) => {
    const started = await startAwsTestStack(dataDir);
    if ('skipReason' in started) pendingSuite(context, started.skipReason);
    stack = started;
    return serve(stack.config);
  };
  const objectsInBucket = async (): Promise<number> => {
    const { aws } = stack!.config;
    const s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    s3.destroy();
    return listed.KeyCount ?? 0;
  };

  it('answers 503 and stores no metadata when S3 is down during an upload', async function () {
    const url = await startStack(this);
    expect((await upload(url)).status).to.equal(201);
    await stack!.s3.close();
    expectError(await upload(url), 503, 'service_unavailable');
    const listed = await fetch(`${url}/images`).then((r) => r.json() as Promise<{ images: unknown[] }>);
    expect(listed.images, 'only the image stored before the outage').to.have.length(1);
  });

  it('answers 503 and removes the written object when DynamoDB fails after it', async function () {
    const url = await startStack(this);
    await stack!.dynamodb.close();
    expectError(await upload(url), 503, 'service_unavailable');
    expect(await objectsInBucket(), 'objects left in the bucket').to.equal(0);
  });

  it('is not ready while a backend is down, and stays alive', async function () {
    const url = await startStack(this);
    expect((await fetch(`${url}/health/ready`)).status).to.equal(200);
    await stack!.dynamodb.close();
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).to.equal(503);
    expect(await ready.json()).to.deep.include({ status: 'unavailable', checks: { blob_store: 'ok', metadata_store: 'unavailable' } });
    await stack!.s3.close();
    expect((await fetch(`${url}/health/ready`).then((r) => r.json()) as { checks: unknown }).checks).to.deep.equal({ blob_store: 'unavailable', metadata_store: 'unavailable' });
    const health = await fetch(`${url}/health`);
    expect(health.status).to.equal(200);
  });

  it('answers 503 when an endpoint points at a closed port', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const config = loadConfig({ STORAGE: 'aws', AWS_ENDPOINT_URL: closed, LOG_LEVEL: 'silent' });
    const url = await serve(config);
    expectError(await upload(url), 503, 'service_unavailable');
    expectError(await request(url).get('/images'), 503, 'service_unavailable');
    expect((await fetch(`${url}/health/ready`)).status).to.equal(503);
    expect((await fetch(`${url}/health`)).status).to.equal(200);
  });
});
