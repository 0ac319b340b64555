import { expect } from 'chai';
import { parse as parseDisposition } from 'content-disposition';
import { DomainError } from '../../core/errors.ts';
import type { BlobStore, PostPolicy, PresignedPost } from '../../core/ports/blob-store.port.ts';

export interface BlobStoreHarness {
  store: BlobStore;
  /** Moves time forward for the URLs this store signs (a clock it reads, or a real wait). */
  passTime(seconds: number): Promise<void>;
  /** Whether the backend checks URL signatures (s3rver, for one, does not). */
  checksSignatures: boolean;
  /** Whether a form outside its POST policy is refused (s3rver stores any form it is sent). */
  enforcesPostPolicy: boolean;
  close?(): Promise<void>;
}

const bytesOf = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));

const POLICY: PostPolicy = { minBytes: 1024, maxBytes: 8192, contentTypePrefix: 'image/', expiresInSeconds: 300 };

/** Sends the form as a browser would: the presigned fields, then Content-Type, then the file last. */
async function postForm(post: PresignedPost, bytes: Buffer, contentType: string, changed: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...changed })) form.append(name, value);
  form.append('Content-Type', contentType);
  form.append('file', new Blob([bytes], { type: contentType }), 'photo.png');
  return fetch(post.url, { method: 'POST', body: form });
}

async function expectNotFound(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(
    () => expect.fail('expected a rejection'),
    (rejection: unknown) => rejection,
  );
  expect(error).to.be.instanceOf(DomainError);
  expect((error as DomainError).kind).to.equal('not_found');
}

/** Marks the running case pending, with the reason in its title so the report says why. */
function pending(context: Mocha.Context, reason: string): never {
  context.test!.title += ` (pending: ${reason})`;
  context.skip();
}

/** The behaviour every BlobStore adapter must have; presigned URLs are fetched over real HTTP. */
export function blobStoreContract(name: string, makeHarness: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, function () {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    let counter = 0;
    const key = () => `images/contract-${Date.now()}-${(counter += 1)}.png`;
    const pendingKey = () => `pending/contract-${Date.now()}-${(counter += 1)}`;

    // Where a backend stores whatever it is sent, the service still re-checks size and type
    // when the upload is completed; these cases only say the backend does not refuse it first.
    function needsPolicyChecks(context: Mocha.Context): void {
      if (!harness.enforcesPostPolicy) pending(context, 'this backend does not enforce POST policies');
    }

    async function expectRefused(response: Response, status: number | number[], ...keys: string[]): Promise<void> {
      expect(response.status).to.be.oneOf([status].flat());
      for (const k of keys) expect(await store.stat(k), `object at ${k}`).to.equal(undefined);
    }

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => harness.close?.());

    it('answers a ping', async () => {
      await store.ping();
    });

    it('stores bytes that a presigned URL serves back unchanged, with their type and name', async () => {
      const k = key();
      const bytes = bytesOf(5000, 7);
      await store.put(k, bytes, { contentType: 'image/png', fileName: 'Été à la plage "1".png' });
      expect(await store.exists(k)).to.equal(true);

      const response = await fetch(await store.presignGet(k, 300));
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/png');
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).to.equal(true);
      const disposition = parseDisposition(response.headers.get('content-disposition') ?? '');
      expect(disposition.parameters.filename).to.equal('Été à la plage "1".png');
    });

    it('reports a missing key as absent', async () => {
      expect(await store.exists(key())).to.equal(false);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const k = key();
      await store.put(k, bytesOf(2000, 1), { contentType: 'image/gif', fileName: 'a.gif' });
      const url = await store.presignGet(k, 300);
      await store.delete(k);
      expect(await store.exists(k)).to.equal(false);
      expect((await fetch(url)).status).to.be.oneOf([403, 404]);
      await store.delete(k);
    });

    it('refuses a presigned URL once it has expired', async () => {
      const k = key();
      await store.put(k, bytesOf(2000, 2), { contentType: 'image/webp', fileName: 'a.webp' });
      // Short, because a server that judges expiry by its own clock (s3rver) can only be waited out.
      const url = await store.presignGet(k, 3);
      expect((await fetch(url)).status).to.equal(200);
      await harness.passTime(4);
      expect((await fetch(url)).status).to.equal(403);
    });

    it('stores the file of a form POSTed to a presigned POST URL under the signed key', async () => {
      const k = pendingKey();
      const bytes = bytesOf(3000, 4);
      const post = await store.presignPost(k, POLICY);
      expect(Date.parse(post.expiresAt)).to.be.greaterThan(Date.now() - 60_000);

      const response = await postForm(post, bytes, 'image/png');

      expect(response.status, await response.clone().text()).to.equal(204);
      expect(await store.stat(k)).to.deep.equal({ size: 3000, contentType: 'image/png' });
      expect(Buffer.from(await store.readStart(k, 12)).equals(bytes.subarray(0, 12))).to.equal(true);
    });

    it('refuses a POSTed file larger than the policy allows, storing nothing', async function () {
      needsPolicyChecks(this);
      const k = pendingKey();
      // S3 says 400 EntityTooLarge; the service's own store says 413, as HTTP names it.
      await expectRefused(await postForm(await store.presignPost(k, POLICY), bytesOf(POLICY.maxBytes + 1, 5), 'image/png'), [400, 413], k);
    });

    it('refuses a POSTed file smaller than the policy allows, storing nothing', async function () {
      needsPolicyChecks(this);
      const k = pendingKey();
      await expectRefused(await postForm(await store.presignPost(k, POLICY), bytesOf(POLICY.minBytes - 1, 6), 'image/png'), 400, k);
    });

    it('refuses a POSTed form whose Content-Type is outside the policy, storing nothing', async function () {
      needsPolicyChecks(this);
      const k = pendingKey();
      await expectRefused(await postForm(await store.presignPost(k, POLICY), bytesOf(3000, 7), 'text/html'), 403, k);
    });

    it('refuses a POSTed form naming another key, storing nothing', async function () {
      needsPolicyChecks(this);
      const k = pendingKey();
      const other = pendingKey();
      await expectRefused(await postForm(await store.presignPost(k, POLICY), bytesOf(3000, 8), 'image/png', { key: other }), 403, k, other);
    });

    it('refuses a POSTed form once its policy has expired, storing nothing', async function () {
      needsPolicyChecks(this);
      const k = pendingKey();
      const post = await store.presignPost(k, { ...POLICY, expiresInSeconds: 3 });
      await harness.passTime(4);
      await expectRefused(await postForm(post, bytesOf(3000, 9), 'image/png'), 403, k);
    });

    it('states the size and type of an object, and nothing for a missing key', async () => {
      const k = key();
      await store.put(k, bytesOf(4321, 10), { contentType: 'image/gif', fileName: 'a.gif' });
      expect(await store.stat(k)).to.deep.equal({ size: 4321, contentType: 'image/gif' });
      expect(await store.stat(key())).to.equal(undefined);
    });

    it('reads exactly the first bytes of an object, or all of a smaller one', async () => {
      const k = key();
      const bytes = bytesOf(5000, 11);
      await store.put(k, bytes, { contentType: 'image/png', fileName: 'a.png' });

      expect(Buffer.from(await store.readStart(k, 1)).equals(bytes.subarray(0, 1))).to.equal(true);
      expect(Buffer.from(await store.readStart(k, 4096)).equals(bytes.subarray(0, 4096))).to.equal(true);
      expect(Buffer.from(await store.readStart(k, 5000)).equals(bytes)).to.equal(true);
      expect(Buffer.from(await store.readStart(k, 100_000)).equals(bytes)).to.equal(true);
      await expectNotFound(store.readStart(key(), 100));
    });

    it('copies an object under a new key with a new type and name, leaving a source that can be deleted', async () => {
      const from = pendingKey();
      const to = key();
      const bytes = bytesOf(3000, 12);
      await store.put(from, bytes, { contentType: 'application/octet-stream', fileName: 'upload.bin' });

      await store.copy(from, to, { contentType: 'image/webp', fileName: 'Vacances été.webp' });
      await store.delete(from);

      expect(await store.exists(from)).to.equal(false);
      expect(await store.stat(to)).to.deep.equal({ size: 3000, contentType: 'image/webp' });
      const response = await fetch(await store.presignGet(to, 300));
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/webp');
      expect(parseDisposition(response.headers.get('content-disposition') ?? '').parameters.filename).to.equal('Vacances été.webp');
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).to.equal(true);
    });

    it('refuses to copy a missing object', async () => {
      const to = key();
      await expectNotFound(store.copy(pendingKey(), to, { contentType: 'image/png', fileName: 'a.png' }));
      expect(await store.exists(to)).to.equal(false);
    });

    it('refuses a presigned URL whose signature was tampered with', async function () {
      if (!harness.checksSignatures) this.skip();
      const k = key();
      await store.put(k, bytesOf(2000, 3), { contentType: 'image/jpeg', fileName: 'a.jpg' });
      const url = new URL(await store.presignGet(k, 300));
      const signatureParam = [...url.searchParams.keys()].find((p) => /signature/i.test(p));
      expect(signatureParam, 'a signature parameter').to.be.a('string');
      const signature = url.searchParams.get(signatureParam!)!;
      url.searchParams.set(signatureParam!, `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);
      expect((await fetch(url)).status).to.equal(403);
    });
  });
}
