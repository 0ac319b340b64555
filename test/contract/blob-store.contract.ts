import { expect } from 'chai';
import { parse as parseDisposition } from 'content-disposition';
import type { BlobStore } from '../../core/ports/blob-store.port.ts';

export interface BlobStoreHarness {
  store: BlobStore;
  /** Moves time forward for the URLs this store signs (a clock it reads, or a real wait). */
  passTime(seconds: number): Promise<void>;
  /** Whether the backend checks URL signatures (s3rver, for one, does not). */
  checksSignatures: boolean;
  close?(): Promise<void>;
}

const bytesOf = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));

/** The behaviour every BlobStore adapter must have; presigned URLs are fetched over real HTTP. */
export function blobStoreContract(name: string, makeHarness: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, function () {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    let counter = 0;
    const key = () => `images/contract-${Date.now()}-${(counter += 1)}.png`;

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
