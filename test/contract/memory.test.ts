import { expect } from 'chai';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import type { PostedForm } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import { loadConfig } from '../../apps/config.ts';
import { buildContainer, resolve } from '../../apps/container.ts';
import { createExpressApp } from '../../apps/express-app.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { DomainError } from '../../core/errors.ts';
import { ManualClock } from '../support/fakes.ts';
import { listenOnLoopback } from '../support/listen.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';
import { pendingUploadsContract } from './pending-uploads.contract.ts';

imageCatalogContract('memory', async () => ({ catalog: new MemoryImageCatalog() }));
pendingUploadsContract('memory', async () => ({ uploads: new MemoryPendingUploads() }));

// The in-memory store's URLs are served by the app itself, so the harness runs the real app.
blobStoreContract('memory', async () => {
  // Starts at the real time, as a server's clock would, so expiry times compare with the test's.
  const clock = new ManualClock(new Date().toISOString());
  let store: MemoryBlobStore | undefined;
  const server = await listenOnLoopback((url) => {
    const container = buildContainer(loadConfig({ STORAGE: 'memory', PUBLIC_URL: url, LOG_LEVEL: 'silent' }), { clock });
    store = resolve(container, TOKENS.LocalBlobs);
    return createExpressApp(container);
  });
  return {
    store: store!,
    checksSignatures: true,
    enforcesPostPolicy: true,
    passTime: async (seconds) => clock.advance(seconds * 1000),
    close: () => server.close(),
  };
});

// The store's own checks, case by case; the contract above runs them over HTTP as well.
describe('MemoryBlobStore presigned POST forms', () => {
  const policy = { minBytes: 1024, maxBytes: 8192, contentTypePrefix: 'image/', expiresInSeconds: 300 };
  let clock: ManualClock;
  let store: MemoryBlobStore;
  let form: PostedForm;

  beforeEach(async () => {
    clock = new ManualClock();
    store = new MemoryBlobStore(clock, 'http://localhost:8000');
    const post = await store.presignPost('pending/abc', policy);
    expect(post.url).to.equal('http://localhost:8000/local-blobs');
    expect(post.expiresAt).to.equal('2026-01-01T00:05:00.000Z');
    form = { fields: { ...post.fields, 'Content-Type': 'image/png' }, bytes: Buffer.alloc(3000, 1) };
  });

  const refusal = (change: (form: PostedForm) => PostedForm): DomainError => {
    try {
      store.acceptPost(change(form));
    } catch (error) {
      expect(store.size, 'objects stored').to.equal(0);
      expect(error).to.be.instanceOf(DomainError);
      return error as DomainError;
    }
    return expect.fail('expected a refusal');
  };

  it('stores the file under the signed key with the form\'s type', async () => {
    store.acceptPost(form);
    expect(await store.stat('pending/abc')).to.deep.equal({ size: 3000, contentType: 'image/png' });
  });

  it('accepts the smallest and the largest sizes the policy allows', async () => {
    store.acceptPost({ ...form, bytes: Buffer.alloc(policy.minBytes) });
    expect((await store.stat('pending/abc'))?.size).to.equal(policy.minBytes);
    store.acceptPost({ ...form, bytes: Buffer.alloc(policy.maxBytes) });
    expect((await store.stat('pending/abc'))?.size).to.equal(policy.maxBytes);
  });

  it('refuses sizes outside the range with 400s named as S3 names them', () => {
    expect(refusal((f) => ({ ...f, bytes: Buffer.alloc(policy.maxBytes + 1) }))).to.include({ kind: 'validation', code: 'entity_too_large' });
    expect(refusal((f) => ({ ...f, bytes: Buffer.alloc(policy.minBytes - 1) }))).to.include({ kind: 'validation', code: 'entity_too_small' });
  });

  it('refuses, as forbidden, a type outside the prefix, another key, a changed policy or signature, and a missing one', () => {
    const changed = (fields: Record<string, string | undefined>) => (f: PostedForm) => ({ ...f, fields: { ...f.fields, ...fields } });
    const signature = form.fields.signature ?? '';
    for (const change of [
      changed({ 'Content-Type': 'text/html' }),
      changed({ 'Content-Type': undefined }),
      changed({ key: 'images/abc.png' }),
      changed({ policy: Buffer.from(JSON.stringify({ key: 'pending/abc', expires: 9e9, minBytes: 0, maxBytes: 9e9, contentTypePrefix: '' })).toString('base64url') }),
      changed({ signature: `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}` }),
      changed({ signature: undefined }),
      changed({ policy: undefined }),
    ]) {
      expect(refusal(change)).to.include({ kind: 'forbidden' });
    }
  });

  it('refuses the form once the policy has expired', () => {
    clock.advance(policy.expiresInSeconds * 1000 - 1);
    store.acceptPost(form);
    clock.advance(1);
    expect(() => store.acceptPost(form)).to.throw(DomainError).with.property('kind', 'forbidden');
  });
});
