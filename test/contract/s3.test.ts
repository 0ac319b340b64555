import { createHmac } from 'node:crypto';
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
import { LOCAL_CREDENTIALS, startS3rver } from '../../scripts/local-aws-servers.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { DomainError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports/blob-store.port.ts';
import { ManualClock } from '../support/fakes.ts';
import { localStack } from '../support/localstack.ts';
import { listenOnLoopback } from '../support/listen.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import type { BlobStoreHarness } from './blob-store.contract.ts';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/**
 * AWS's worked example of a browser POST with SigV4 ("Example: Browser-Based Upload using HTTP
 * POST (Using AWS Signature Version 4)", S3 API reference): its secret, policy and signature,
 * and the signing key for 20151229/us-east-1/s3 that turns that policy into that signature.
 */
const AWS_EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  policy:
    'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9',
  signature: '8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e',
  signingKey: Buffer.from('cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28', 'hex'),
};

const hmacHex = (key: Buffer, data: string): string => createHmac('sha256', key).update(data).digest('hex');

/** Records the headers of every request of one command the client sends. */
function recordHeaders(client: S3Client, commandName: string): Record<string, string>[] {
  const sent: Record<string, string>[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: `record${commandName}Headers` },
  );
  return sent;
}

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

let buckets = 0;
const freshBucket = (): string => `test-${process.pid}-${(buckets += 1)}`;

const clientFor = (endpoint: string, credentials: Credentials): S3Client =>
  makeS3Client({ region: 'us-east-1', endpoint, credentials, forcePathStyle: true });

/** A store on a bucket of its own, set up as the service sets up its bucket. */
function s3Harness(
  endpoint: () => string,
  credentials: Credentials,
  checks: Pick<BlobStoreHarness, 'checksSignatures' | 'enforcesPostPolicy'>,
): () => Promise<BlobStoreHarness> {
  return async () => {
    const client = clientFor(endpoint(), credentials);
    const bucket = freshBucket();
    await ensureBucket(client, bucket, { corsOrigins: '*' });
    return {
      store: new S3BlobStore(client, bucket),
      // The server judges expiry by its own clock, so time can only pass for real.
      passTime: sleep,
      ...checks,
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
  // Nor does it read a form's policy (controllers/object.js postObject skips the field, and the
  // form carries no Authorization to check): it stores any file, of any size and type, under
  // whatever key the form names, expired or not.
  blobStoreContract('s3 over s3rver', s3Harness(() => server.endpoint, LOCAL_CREDENTIALS, { checksSignatures: false, enforcesPostPolicy: false }));

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
      const sent = recordHeaders(client, 'PutObjectCommand');

      await store.put('images/b.png', Buffer.from('png bytes'), { contentType: 'image/png', fileName: 'b.png' });

      expect(sent).to.have.length(1);
      expect(sent[0]).to.include({ 'x-amz-server-side-encryption': 'AES256', 'content-length': '9' });
      expect(sent[0]).not.to.have.any.keys('content-encoding', 'x-amz-trailer', 'x-amz-sdk-checksum-algorithm');
    });

    it('reads the start of an object with a ranged GET', async () => {
      const sent = recordHeaders(client, 'GetObjectCommand');
      await store.put('images/r.png', Buffer.alloc(3000, 7), { contentType: 'image/png', fileName: 'r.png' });

      expect(await store.readStart('images/r.png', 1024)).to.have.length(1024);

      expect(sent).to.have.length(1);
      expect(sent[0]).to.include({ range: 'bytes=0-1023' });
    });

    it('copies with the new type and name replacing the old, encrypted as put encrypts', async () => {
      const sent = recordHeaders(client, 'CopyObjectCommand');
      await store.put('pending/x y', Buffer.from('png bytes'), { contentType: 'application/octet-stream', fileName: 'x' });

      await store.copy('pending/x y', 'images/x.png', { contentType: 'image/png', fileName: 'x.png' });

      expect(sent).to.have.length(1);
      expect(sent[0]).to.include({
        'x-amz-copy-source': `${bucket}/pending/x%20y`,
        'x-amz-metadata-directive': 'REPLACE',
        'content-type': 'image/png',
        'x-amz-server-side-encryption': 'AES256',
      });
      expect(parseDisposition(sent[0]!['content-disposition'] ?? '').parameters.filename).to.equal('x.png');
    });

    it('signs a POST policy for exactly one key, the size range, the type prefix and encryption', async () => {
      const clock = new ManualClock('2026-03-04T05:06:07.891Z');
      const post = await new S3BlobStore(client, bucket, clock).presignPost('pending/abc', {
        minBytes: 1024,
        maxBytes: 10_485_760,
        contentTypePrefix: 'image/',
        expiresInSeconds: 900,
      });

      expect(post.url).to.equal(`${server.endpoint}/${bucket}/`);
      expect(post.expiresAt).to.equal('2026-03-04T05:21:07.891Z');
      expect(post.fields).to.include({
        key: 'pending/abc',
        'x-amz-server-side-encryption': 'AES256',
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': `${LOCAL_CREDENTIALS.accessKeyId}/20260304/us-east-1/s3/aws4_request`,
        'X-Amz-Date': '20260304T050607Z',
      });
      const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
      expect(policy.expiration).to.equal(post.expiresAt);
      expect(policy.conditions).to.have.deep.members([
        { bucket },
        { key: 'pending/abc' },
        { 'x-amz-server-side-encryption': 'AES256' },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': post.fields['X-Amz-Credential'] },
        { 'X-Amz-Date': '20260304T050607Z' },
        ['content-length-range', 1024, 10_485_760],
        ['starts-with', '$Content-Type', 'image/'],
      ]);
    });

    it('signs POST policies as SigV4 does, with the session token of temporary credentials', async () => {
      expect(hmacHex(AWS_EXAMPLE.signingKey, AWS_EXAMPLE.policy), 'the example signing key').to.equal(AWS_EXAMPLE.signature);
      const exampleClient = clientFor(server.endpoint, { ...AWS_EXAMPLE, sessionToken: 'session-token' });
      try {
        const clock = new ManualClock('2015-12-29T00:00:00.000Z');
        const post = await new S3BlobStore(exampleClient, bucket, clock).presignPost('pending/abc', {
          minBytes: 1,
          maxBytes: 10,
          contentTypePrefix: 'image/',
          expiresInSeconds: 60,
        });

        expect(post.fields['X-Amz-Signature']).to.equal(hmacHex(AWS_EXAMPLE.signingKey, post.fields.Policy ?? ''));
        expect(post.fields['X-Amz-Security-Token']).to.equal('session-token');
        const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as { conditions: unknown[] };
        expect(policy.conditions).to.deep.include({ 'X-Amz-Security-Token': 'session-token' });
      } finally {
        exampleClient.destroy();
      }
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
      // Not `undefined` or not_found: the bucket, not the object, is what is missing.
      await expectUnavailable(() => missing.stat('images/e.png'), ['no-such-bucket-here', 'images/e.png']);
      await expectUnavailable(() => missing.readStart('images/e.png', 10), ['no-such-bucket-here', 'images/e.png']);
      await expectUnavailable(() => missing.copy('pending/e', 'images/e.png', { contentType: 'image/png', fileName: 'e.png' }), [
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
  blobStoreContract(
    's3 over LocalStack',
    s3Harness(() => endpoint, { accessKeyId: 'test', secretAccessKey: 'test' }, { checksSignatures: true, enforcesPostPolicy: true }),
  );
});
