import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent, SQSRecord, ScheduledEvent } from 'aws-lambda';
import request from 'supertest';
import { parse } from 'yaml';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { S3BlobStore } from '../../adapters/s3/s3-blob-store.ts';
import { SharpImageProcessor, configureSharp } from '../../adapters/sharp/sharp-image-processor.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { DomainError } from '../../core/errors.ts';
import type { ImageProcessor } from '../../core/ports/image-processor.port.ts';
import { buildContainer, resolve } from '../../apps/container.ts';
import { createLogger } from '../../apps/logger.ts';
import { createProcessorHandler } from '../../apps/processor/lambda-handler.ts';
import type { ProcessorSettings, SweepReport } from '../../apps/processor/lambda-handler.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import type { Storage } from '../../apps/storage/storage.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { ROOT, lambdaNode } from '../../scripts/build-lambda.ts';
import { bundleProcessor } from '../../scripts/build-processor.ts';
import { WRITES_UNLIMITED } from '../support/app.ts';
import { pendingSuite, startAwsTestStack } from '../support/aws-test-stack.ts';
import type { AwsTestStack } from '../support/aws-test-stack.ts';
import { ManualClock } from '../support/fakes.ts';
import { PNG_SIGNATURE, makeImage, pngChunk } from '../support/images.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { listenOnLoopback } from '../support/listen.ts';
import type { Listening } from '../support/listen.ts';
import { upload } from '../support/upload.ts';

const MINUTE = 60_000;
const SETTINGS: ProcessorSettings = { maxReceiveCount: 3, imagesAtOnce: 2, stuckAfterMs: 60 * MINUTE, giveUpAfterMs: 180 * MINUTE, reserveMs: 1_000, recordGraceMs: MINUTE };

/** A PNG whose header the upload accepts and whose pixel data no decoder reads (not a zlib stream), padded past the upload's minimum size. */
function undecodablePng(): Buffer {
  const good = makeImage({ width: 200, height: 150, format: 'png' });
  const header = good.subarray(8, 8 + 25); // the IHDR chunk
  const pixels = pngChunk('IDAT', Buffer.from('this is not a zlib stream, '.repeat(60)));
  return Buffer.concat([PNG_SIGNATURE, header, pixels, pngChunk('IEND', Buffer.alloc(0))]);
}

/** The body S3 sends to a queue for a new object (keys form-encoded, as S3 writes them). */
function notification(bucket: string, key: string, options: { eventTime?: Date; eventName?: string } = {}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: (options.eventTime ?? new Date()).toISOString(),
        eventName: options.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.1' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'processing',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  });
}

function message(body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: String(Date.now()), SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:processing',
    awsRegion: 'us-east-1',
  };
}

/** A call the processor made, as IAM sees it: the action, and the object key or the index it named. */
interface Call {
  action: string;
  key?: string;
  index?: string;
}

// Both the document client's and the low-level client's command names, as IAM actions.
const DYNAMODB_ACTIONS: Record<string, string> = { Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/** Records every command `client` sends, translated into the IAM actions it needs (a transaction's, item by item). */
function recordCalls(client: { middlewareStack: { add: (middleware: never, options: { step: 'initialize' }) => void } }, service: 's3' | 'dynamodb', calls: Call[]): void {
  const middleware = (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
    const name = (context.commandName ?? '').replace(/Command$/, '');
    const input = args.input;
    if (service === 's3') calls.push({ action: `s3:${name === 'HeadObject' ? 'GetObject' : name}`, key: String(input.Key) });
    else if (/^TransactWrite/.test(name)) {
      for (const item of input.TransactItems as Record<string, unknown>[]) calls.push({ action: `dynamodb:${DYNAMODB_ACTIONS[Object.keys(item)[0]!]}` });
    } else {
      const bare = name.replace(/Item$/, '');
      calls.push({ action: `dynamodb:${DYNAMODB_ACTIONS[bare] ?? name}`, ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}) });
    }
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize' });
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });
const failedIds = (response: unknown): string[] => (response as SQSBatchResponse).batchItemFailures.map((failure) => failure.itemIdentifier);

const SCHEDULED: ScheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/sweep'],
  detail: {},
};

describe('processor function: S3 notifications through SQS, on the AWS test servers', function () {
  this.timeout(60_000);
  let dataDir: string;
  let stack: AwsTestStack;
  let apiStorage: Storage;
  let processorStorage: Storage;
  let api: Listening;
  let s3: S3Client;
  const clock = new ManualClock();
  /** What the processor's own clients sent, for the check of its role. */
  const calls: Call[] = [];
  let processorStores: { blobStore: S3BlobStore; catalog: DynamoDbImageCatalog; close(): void };

  /** The processor's handler over its own clients, as its function builds it; `processor` replaces sharp. */
  function processorHandler(processor: ImageProcessor = new SharpImageProcessor()) {
    const { blobStore, catalog } = processorStores;
    const container = buildContainer(stack.config, processorStorage, { clock, logger: createLogger({ level: 'silent' }), processor, blobStore, catalog });
    return createProcessorHandler({ process: resolve(container, TOKENS.ProcessImage), catalog: resolve(container, TOKENS.ImageCatalog), clock, logger: createLogger({ level: 'silent' }) }, SETTINGS);
  }

  async function keys(prefix: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.config.aws.bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!);
  }

  /** Uploads through the API's Lambda handler (no processor, as on AWS) and returns the image id and its original's key. */
  async function uploaded(file?: Buffer): Promise<{ id: string; key: string }> {
    const answer = await upload(api.url, file === undefined ? {} : { file });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(answer.body.image.status).to.equal('processing');
    const id = answer.body.image_id as string;
    const [key, ...others] = await keys(`images/${id}.`);
    expect(others, 'one original').to.deep.equal([]);
    return { id, key: key! };
  }

  const image = async (id: string) => request(api.url).get(`/images/${id}`);
  const bucket = () => stack.config.aws.bucket;

  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), 'processor-test-'));
    const started = await startAwsTestStack(dataDir, WRITES_UNLIMITED);
    if ('skipReason' in started) pendingSuite(this, started.skipReason);
    stack = started;
    apiStorage = awsStorage(stack.config.aws, '*');
    await apiStorage.setup();
    processorStorage = awsStorage(stack.config.aws, '*');
    configureSharp({ threads: 1 });
    const apiContainer = buildContainer(stack.config, apiStorage, { clock });
    api = await listenOnLoopback(() => lambdaV2Entry.serve(apiContainer));
    const { aws } = stack.config;
    s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
    // The processor's stores as apps/storage/aws.ts makes them, over clients that record what they send.
    const processorS3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
    const dynamo = makeDynamoClients({ region: aws.region, endpoint: aws.dynamodbEndpoint!, credentials: aws.credentials! });
    recordCalls(processorS3, 's3', calls);
    recordCalls(dynamo.doc, 'dynamodb', calls);
    processorStores = {
      blobStore: new S3BlobStore(processorS3, aws.bucket),
      catalog: new DynamoDbImageCatalog(dynamo.doc, aws.table, { timeShards: aws.timeShards }),
      close: () => {
        processorS3.destroy();
        dynamo.client.destroy();
      },
    };
  });
  beforeEach(() => clock.set(new Date().toISOString()));
  after(async () => {
    await api?.close();
    s3?.destroy();
    apiStorage?.close();
    processorStorage?.close();
    processorStores?.close();
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('makes the variants of an image uploaded through the API, which becomes ready', async () => {
    const { id, key } = await uploaded(makeImage({ width: 800, height: 600, format: 'jpeg' }));
    expect(await keys(`variants/${id}/`)).to.deep.equal([]);

    const response = await processorHandler()(batch(message(notification(bucket(), key))), context());

    expect(failedIds(response)).to.deep.equal([]);
    expect(await keys(`variants/${id}/`)).to.have.members([`variants/${id}/thumb.webp`, `variants/${id}/display.webp`]);
    const read = await image(id);
    expect(read.body.status).to.equal('ready');
    expect(read.body.variants.thumb).to.include({ width: 400, height: 400, content_type: 'image/webp' });
    expect(read.body.variants.display).to.include({ width: 800, height: 600 });
    const thumb = Buffer.from(await (await fetch(read.body.thumbnail_url as string)).arrayBuffer());
    expect(thumb.subarray(8, 12).toString('latin1'), 'the signed thumbnail URL serves a WebP').to.equal('WEBP');
  });

  it('marks failed an image no decoder reads, and the message is done', async () => {
    const { id, key } = await uploaded(undecodablePng());

    const response = await processorHandler()(batch(message(notification(bucket(), key))), context());

    expect(failedIds(response), 'a file that cannot be decoded is not retried').to.deep.equal([]);
    const read = await image(id);
    expect(read.body.status).to.equal('failed');
    expect(read.body.status_reason).to.match(/could not be decoded/);
    expect(read.body.variants).to.equal(null);
    expect(await keys(`variants/${id}/`)).to.deep.equal([]);
  });

  it('makes no variants for an image deleted before its event arrives', async () => {
    const { id, key } = await uploaded();
    expect((await request(api.url).delete(`/images/${id}`).set('X-User-Id', 'alice')).status).to.be.oneOf([200, 204]);

    const response = await processorHandler()(batch(message(notification(bucket(), key))), context());

    expect(failedIds(response)).to.deep.equal([]);
    expect(await keys(`variants/${id}/`)).to.deep.equal([]);
    expect((await image(id)).status).to.be.oneOf([404, 410]);
  });

  it('takes a repeated event as done: nothing is written again', async () => {
    const { id, key } = await uploaded();
    const handler = processorHandler();
    await handler(batch(message(notification(bucket(), key))), context());
    const objects = async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: `variants/${id}/` }))).Contents!.map(({ Key, ETag, LastModified }) => ({ Key, ETag, LastModified }));
    const before = await objects();
    const ready = (await image(id)).body;

    // S3 may deliver an event twice, and SQS a message twice: in one batch and in later ones.
    const twice = await handler(batch(message(notification(bucket(), key)), message(notification(bucket(), key), 2)), context());
    const again = await handler(batch(message(notification(bucket(), key), 3)), context());

    expect(failedIds(twice)).to.deep.equal([]);
    expect(failedIds(again)).to.deep.equal([]);
    expect(await objects()).to.deep.equal(before);
    const after = (await image(id)).body;
    expect(after.status).to.equal('ready');
    expect(after.variants.thumb).to.deep.include({ width: ready.variants.thumb.width, height: ready.variants.thumb.height });
  });

  it('leaves an image it could not process for the next delivery, and marks it failed on the last one', async () => {
    const broken: ImageProcessor = { render: async () => Promise.reject(new Error('libvips ran out of memory')) };
    const handler = processorHandler(broken);
    const { id, key } = await uploaded();

    const first = message(notification(bucket(), key), 1);
    expect(failedIds(await handler(batch(first), context()))).to.deep.equal([first.messageId]);
    expect((await image(id)).body.status, 'still processing, for the next delivery').to.equal('processing');

    const last = message(notification(bucket(), key), SETTINGS.maxReceiveCount);
    expect(failedIds(await handler(batch(last), context())), 'the last delivery leaves nothing for the dead-letter queue').to.deep.equal([]);
    const read = await image(id);
    expect(read.body.status).to.equal('failed');
    expect(read.body.status_reason).to.equal('The image could not be processed.');
  });

  it('retries an outage, and gives up on the last delivery whatever the cause', async () => {
    const down: ImageProcessor = { render: async () => Promise.reject(new DomainError('unavailable', 'service_unavailable', 'S3 is down.')) };
    const handler = processorHandler(down);
    const { id, key } = await uploaded();

    const first = message(notification(bucket(), key), SETTINGS.maxReceiveCount - 1);
    expect(failedIds(await handler(batch(first), context()))).to.deep.equal([first.messageId]);
    expect((await image(id)).body.status).to.equal('processing');

    expect(failedIds(await handler(batch(message(notification(bucket(), key), SETTINGS.maxReceiveCount)), context()))).to.deep.equal([]);
    expect((await image(id)).body.status).to.equal('failed');
  });

  it('answers before Lambda cuts it off: unfinished work is retried, or marked failed on the last delivery', async () => {
    const hanging: ImageProcessor = { render: () => new Promise(() => {}) };
    const handler = processorHandler(hanging);
    const early = await uploaded();
    const late = await uploaded();

    const retried = message(notification(bucket(), early.key), 1);
    const lastOne = message(notification(bucket(), late.key), SETTINGS.maxReceiveCount);
    const response = await handler(batch(retried, lastOne), context(SETTINGS.reserveMs + 300));

    expect(failedIds(response)).to.deep.equal([retried.messageId]);
    expect((await image(early.id)).body.status).to.equal('processing');
    expect((await image(late.id)).body.status).to.equal('failed');
  });

  it('reports an unreadable message as its own failure, ignores what is not an original, and processes the rest', async () => {
    const { id, key } = await uploaded();
    const notJson = message('{"Records": [');
    const notS3 = message(JSON.stringify({ Records: 'nope' }));
    const noKey = message(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] }));
    const testEvent = message(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-01-01T00:00:00.000Z', Bucket: bucket(), RequestId: 'X', HostId: 'Y' }));
    const variant = message(notification(bucket(), `variants/${id}/thumb.webp`));
    const pending = message(notification(bucket(), `pending/${randomUUID()}`));
    const removed = message(notification(bucket(), key, { eventName: 'ObjectRemoved:Delete' }));
    const original = message(notification(bucket(), key));

    const response = await processorHandler()(batch(notJson, notS3, testEvent, variant, noKey, pending, removed, original), context());

    expect(failedIds(response)).to.have.members([notJson.messageId, notS3.messageId, noKey.messageId]);
    expect((await image(id)).body.status).to.equal('ready');
  });

  it('retries an event that outran the record of its image, and lets an old one go', async () => {
    const unknown = `images/${randomUUID()}.png`;
    const fresh = message(notification(bucket(), unknown, { eventTime: clock.now() }));
    const old = message(notification(bucket(), unknown, { eventTime: new Date(clock.now().getTime() - 10 * MINUTE) }));

    const response = await processorHandler()(batch(fresh, old), context());

    expect(failedIds(response)).to.deep.equal([fresh.messageId]);
  });

  it('sweeps: processes again an image left processing past the bound, marks failed one past the give-up bound, leaves a young one', async () => {
    const now = clock.now().getTime();
    clock.set(new Date(now - 4 * 60 * MINUTE).toISOString());
    const abandoned = await uploaded();
    clock.set(new Date(now - 90 * MINUTE).toISOString());
    const stuck = await uploaded();
    clock.set(new Date(now - 5 * MINUTE).toISOString());
    const young = await uploaded();
    clock.set(new Date(now).toISOString());

    const report = (await processorHandler()(SCHEDULED, context())) as SweepReport;

    expect(report.gaveUp).to.include(abandoned.id);
    expect(report.processed).to.deep.include({ [stuck.id]: 'ready' });
    expect(Object.keys(report.processed)).to.not.include(young.id);
    expect((await image(abandoned.id)).body).to.include({ status: 'failed', status_reason: 'The image could not be processed.' });
    expect((await image(stuck.id)).body.status).to.equal('ready');
    expect((await image(young.id)).body.status).to.equal('processing');
  });

  it('needs no permission beyond its role in infra/template.yaml: originals read, variants written, images read and recorded, the unfinished found', async () => {
    calls.length = 0;
    const handler = processorHandler();
    const ready = await uploaded();
    const deleted = await uploaded();
    await request(api.url).delete(`/images/${deleted.id}`).set('X-User-Id', 'alice');
    await handler(batch(message(notification(bucket(), ready.key)), message(notification(bucket(), deleted.key))), context());
    clock.advance(SETTINGS.stuckAfterMs);
    await handler(SCHEDULED, context());

    // The template as plain YAML: a short-form intrinsic reads as its text (`!GetAtt ImageTable.Arn` as `ImageTable.Arn`).
    const template = parse(await readFile(join(ROOT, 'infra', 'template.yaml'), 'utf8'), { logLevel: 'error' }) as {
      Resources: { ProcessorFunction: { Properties: { Policies: { Statement: { Action: string | string[]; Resource: string | string[] }[] }[] } } };
    };
    const grants = template.Resources.ProcessorFunction.Properties.Policies.flatMap((policy) => policy.Statement).flatMap((statement) =>
      [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource }))),
    );
    const granted = (call: Call): boolean =>
      grants.some(({ action, resource }) => {
        if (action !== call.action) return false;
        if (call.key !== undefined) return resource.startsWith('${ImageBucket.Arn}/') && call.key.startsWith(resource.slice('${ImageBucket.Arn}/'.length).replace(/\*$/, ''));
        if (call.index !== undefined) return resource === `\${ImageTable.Arn}/index/${call.index}` || resource === '${ImageTable.Arn}/index/*';
        return resource === 'ImageTable.Arn';
      });
    expect(calls.map((call) => call.action), 'the check sees the calls').to.include.members(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 'dynamodb:GetItem', 'dynamodb:Query']);
    const denied = calls.filter((call) => !granted(call));
    expect(denied, `sent but not granted:\n${denied.map((call) => JSON.stringify(call)).join('\n')}`).to.deep.equal([]);
  });

  it('refuses an event it does not know', async () => {
    let error: unknown;
    await processorHandler()({ hello: 'world' } as unknown as SQSEvent, context()).catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/SQS batches of S3 notifications and scheduled sweeps/);
  });

  it('runs bundled (index.mjs, sharp left out) on Node 22, with this machine’s sharp in place of the arm64 one', async function () {
    // The first run on a machine without Node 22 downloads it.
    this.timeout(180_000);
    const task = join(dataDir, 'task');
    await bundleProcessor(task);
    await symlink(join(ROOT, 'node_modules'), join(task, 'node_modules'), 'dir');
    const { id, key } = await uploaded();
    const eventFile = join(dataDir, 'event.json');
    await writeFile(eventFile, JSON.stringify(batch(message(notification(bucket(), key)))));
    await writeFile(join(dataDir, 'driver.mjs'), DRIVER);
    const { aws } = stack.config;
    const output = await run(lambdaNode(), [join(dataDir, 'driver.mjs'), join(task, 'index.mjs'), eventFile], task, {
      STORAGE: 'aws',
      AWS_REGION: aws.region,
      AWS_ENDPOINT_URL_S3: aws.s3Endpoint!,
      AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodbEndpoint!,
      AWS_ACCESS_KEY_ID: aws.credentials!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.credentials!.secretAccessKey,
      S3_BUCKET_NAME: aws.bucket,
      DYNAMODB_TABLE_NAME: aws.table,
      PROCESSOR_MAX_RECEIVE_COUNT: '5',
      LOG_LEVEL: 'silent',
    });
    expect(JSON.parse(output.slice(output.indexOf('RESULT ') + 'RESULT '.length))).to.deep.equal({ batchItemFailures: [] });
    expect((await image(id)).body.status).to.equal('ready');
    expect(await keys(`variants/${id}/`)).to.have.length(2);
  });
});

// Plain JavaScript, so it runs on Node 22 exactly as Lambda's runtime would load the handler.
const DRIVER = `import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const [entry, eventFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(entry).href);
const result = await handler(JSON.parse(await readFile(eventFile, 'utf8')), { getRemainingTimeInMillis: () => 60000 });
process.stdout.write('RESULT ' + JSON.stringify(result));
`;

function run(node: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && output.includes('RESULT ') ? resolve(output) : reject(new Error(`the bundle's process exited with ${code}:\n${output}`))));
  });
}
