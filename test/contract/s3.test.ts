import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { parse as parseDisposition } from 'content-disposition';
import { ensureBucket } from '../../adapters/s3/bucket-setup.ts';
import { S3BlobStore } from '../../adapters/s3/s3-blob-store.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { LOCAL_CREDENTIALS, startS3rver } from '../../apps/embedded/local-aws-servers.ts';
import type { LocalServer } from '../../apps/embedded/local-aws-servers.ts';
import { DomainError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports/blob-store.port.ts';
import { localStack } from '../support/localstack.ts';
import { listenOnLoopback } from '../support/listen.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import type { BlobStoreHarness } from './blob-store.contract.ts';

type Credentials = { accessKeyId: string; secretAccessKey: string };

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

let buckets = 0;
const freshBucket = (): string => `test-${process.pid}-${(buckets += 1)}`;

const clientFor = (endpoint: string, credentials: Credentials): S3Client =>
  makeS3Client({ region: 'us-east-1', endpoint, credentials, forcePathStyle: true });

/** A store on a bucket of its own, set up as the service sets up its bucket. */
function s3Harness(endpoint: () => string, credentials: Credentials, checksSignatures: boolean): () => Promise<BlobStoreHarness> {
  return async () => {
    const client = clientFor(endpoint(), credentials);
    const bucket = freshBucket();
    await ensureBucket(client, bucket, { corsOrigins: '*' });
    return {
      store: new S3BlobStore(client, bucket),
      // The server judges expiry by its own clock, so time can only pass for real.
      passTime: sleep,
      checksSignatures,
      close: async () => client.destroy(),
    };
  };
}

/** Marks every case under the hook's suite pending, naming the reason in each title so the report says why. */
function skipAll(context: Mocha.Context, reason: string): never {
  const mark = (suite: Mocha.Suite): void => {
    for (const test of suite.tests) test.title += ` (pending: ${reason})`;
    suite.suites.forEach(mark);
  };
  mark(context.test!.parent!);
  context.skip();
}

async function expectUnavailable(attempt: () => Promise<unknown>, mustNotMention: string[]): Promise<void> {
  const started = Date.now();
  const error = await attempt().then(
    () => expect.fail('expected a rejection'),
    (rejection: unknown) => rejection,
  );
  expect(Date.now() - started, 'milliseconds to fail').to.be.below(5_000);
  expect(error).to.be.instanceOf(DomainError);
  const domainError = error as DomainError;
  expect(domainError.kind).to.equal('unavailable');
  expect(domainError.code).to.equal('service_unavailable');
  expect(domainError.cause, 'the SDK failure, kept for the logs').to.be.instanceOf(Error);
  const sdkText = [(domainError.cause as Error).message, (domainError.cause as Error).name].filter((text) => text.length > 0);
  for (const text of [...mustNotMention, ...sdkText]) expect(domainError.message).not.to.include(text);
}

describe('S3BlobStore over s3rver', function () {
  let directory: string;
  let server: LocalServer;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 's3rver-'));
    server = await startS3rver({ directory });
  });
  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  // s3rver never computes SigV4 signatures: any signature passes if the access key id is its own.
  blobStoreContract('s3 over s3rver', s3Harness(() => server.endpoint, LOCAL_CREDENTIALS, false));

  describe('S3 specifics', () => {
    let client: S3Client;
    let bucket: string;
    let store: BlobStore;

    beforeEach(async () => {
      client = clientFor(server.endpoint, LOCAL_CREDENTIALS);
      bucket = freshBucket();
      await ensureBucket(client, bucket, { corsOrigins: '*' });
      store = new S3BlobStore(client, bucket);
    });
    afterEach(() => client.destroy());

    it('stores the detected type and an inline RFC 6266 disposition with the object', async () => {
      await store.put('images/a.jpg', Buffer.from('jpeg bytes'), { contentType: 'image/jpeg', fileName: 'Plage d\'été\r\n"2".jpg' });

      const response = await fetch(await store.presignGet('images/a.jpg', 60));

      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/jpeg');
      const disposition = parseDisposition(response.headers.get('content-disposition') ?? '');
      expect(disposition.type).to.equal('inline');
      expect(disposition.parameters.filename).to.equal('Plage d\'été\r\n"2".jpg');
    });

    it('requests server-side encryption and sends a plain body, with no checksum trailer', async () => {
      const sent: Record<string, string>[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutObjectCommand') sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordPutHeaders' },
      );

      await store.put('images/b.png', Buffer.from('png bytes'), { contentType: 'image/png', fileName: 'b.png' });

      expect(sent).to.have.length(1);
      expect(sent[0]).to.include({ 'x-amz-server-side-encryption': 'AES256', 'content-length': '9' });
      expect(sent[0]).not.to.have.any.keys('content-encoding', 'x-amz-trailer', 'x-amz-sdk-checksum-algorithm');
    });

    it('sets a bucket up idempotently, with CORS for presigned downloads from any origin', async () => {
      const other = freshBucket();
      await ensureBucket(client, other, { corsOrigins: '*' });
      await ensureBucket(client, other, { corsOrigins: '*' });
      const otherStore = new S3BlobStore(client, other);
      await otherStore.put('images/c.gif', Buffer.from('gif bytes'), { contentType: 'image/gif', fileName: 'c.gif' });

      const response = await fetch(await otherStore.presignGet('images/c.gif', 60), { headers: { Origin: 'http://localhost:5173' } });

      expect(response.status).to.equal(200);
      expect(response.headers.get('access-control-allow-origin')).to.be.oneOf(['*', 'http://localhost:5173']);
      expect(response.headers.get('access-control-expose-headers')).to.include('Content-Disposition');
    });

    it('allows only the configured origins once they are listed', async () => {
      await ensureBucket(client, bucket, { corsOrigins: ['http://localhost:5173'] });
      await store.put('images/d.png', Buffer.from('png bytes'), { contentType: 'image/png', fileName: 'd.png' });
      const url = await store.presignGet('images/d.png', 60);

      const allowed = await fetch(url, { headers: { Origin: 'http://localhost:5173' } });
      const refused = await fetch(url, { headers: { Origin: 'https://elsewhere.example' } });

      expect(allowed.headers.get('access-control-allow-origin')).to.equal('http://localhost:5173');
      expect(refused.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('reports a missing bucket as unavailable, without naming it', async () => {
      const missing = new S3BlobStore(client, 'no-such-bucket-here');

      await expectUnavailable(() => missing.ping(), ['no-such-bucket-here']);
      await expectUnavailable(() => missing.exists('images/e.png'), ['no-such-bucket-here', 'images/e.png']);
      await expectUnavailable(() => missing.put('images/e.png', Buffer.from('x'), { contentType: 'image/png', fileName: 'e.png' }), [
        'no-such-bucket-here',
        'images/e.png',
      ]);
    });
  });
});

describe('S3BlobStore over an S3 that cannot serve', function () {
  // Three calls, each allowed its retries with back-off.
  this.timeout(20_000);
  const calls = (store: BlobStore): [string, () => Promise<unknown>][] => [
    ['put', () => store.put('images/f.png', Buffer.from('x'), { contentType: 'image/png', fileName: 'f.png' })],
    ['exists', () => store.exists('images/f.png')],
    ['ping', () => store.ping()],
  ];

  it('is unavailable, within seconds, when nothing listens on the port', async () => {
    const closed = await listenOnLoopback(() => () => undefined);
    await closed.close();
    const client = clientFor(closed.url, LOCAL_CREDENTIALS);
    try {
      for (const [name, call] of calls(new S3BlobStore(client, 'images-bucket'))) {
        await expectUnavailable(call, ['images-bucket', 'images/f.png', 'ECONNREFUSED', '127.0.0.1']).catch((error: Error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
    } finally {
      client.destroy();
    }
  });

  for (const [status, code] of [
    [503, 'SlowDown'],
    [500, 'InternalError'],
    [403, 'AccessDenied'],
  ] as const) {
    it(`is unavailable when S3 answers ${status} ${code}`, async () => {
      const failing = createServer((_request, response) => {
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} from the server</Message></Error>`);
      });
      await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
      const client = clientFor(`http://127.0.0.1:${(failing.address() as AddressInfo).port}`, LOCAL_CREDENTIALS);
      try {
        for (const [, call] of calls(new S3BlobStore(client, 'images-bucket'))) {
          await expectUnavailable(call, ['images-bucket', 'images/f.png', code]);
        }
      } finally {
        client.destroy();
        failing.closeAllConnections();
        await new Promise((resolve) => failing.close(resolve));
      }
    });
  }
});

describe('S3BlobStore over LocalStack', function () {
  let endpoint: string;

  before(async function () {
    this.timeout(180_000);
    const availability = await localStack();
    if ('skipReason' in availability) skipAll(this, availability.skipReason);
    endpoint = availability.server.endpoint;
  });

  // The container runs with S3_SKIP_SIGNATURE_VALIDATION=0 (test/support/localstack.ts), so LocalStack
  // checks signatures and expiry as S3 does, for requests signed with test/test.
  blobStoreContract('s3 over LocalStack', s3Harness(() => endpoint, { accessKeyId: 'test', secretAccessKey: 'test' }, true));
});
