import { expect } from 'chai';
import { parse as parseDisposition } from 'content-disposition';
import type { SelfServedStore } from '../../adapters/system/self-served-store.ts';
import type { PostPolicy } from '../../core/ports/blob-store.port.ts';
import { ManualClock } from '../support/fakes.ts';
import type { ServedStore } from '../support/serve-store.ts';

const bytesOf = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + seed) % 256));

const POLICY: PostPolicy = { minBytes: 1024, maxBytes: 64 * 1024, contentTypePrefix: 'image/', expiresInSeconds: 300 };

async function postForm(url: string, fields: Record<string, string>, bytes: Buffer, contentType = 'image/png'): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('Content-Type', contentType);
  form.append('file', new Blob([bytes], { type: contentType }), 'photo.png');
  return fetch(url, { method: 'POST', body: form });
}

/**
 * What a store the service serves itself promises beyond the BlobStore contract: URLs bound to
 * method, key and expiry, no overrides, no listing, ranges and validators, and forms held to
 * their policy with nothing left behind. Every case goes over real HTTP through the service's
 * own file routes.
 */
export function selfServedStoreContract(
  name: string,
  serve: (clock: ManualClock) => Promise<ServedStore<SelfServedStore> & { leftovers?(): Promise<string[]> }>,
): void {
  describe(`self-served store: ${name}`, () => {
    let clock: ManualClock;
    let served: Awaited<ReturnType<typeof serve>>;
    let store: SelfServedStore;
    const bytes = bytesOf(10_000, 3);
    const key = 'images/abc-123.png';

    beforeEach(async () => {
      clock = new ManualClock(new Date().toISOString());
      served = await serve(clock);
      store = served.store;
      await store.put(key, bytes, { contentType: 'image/png', fileName: 'Sunset at "the" beach.png' });
    });
    afterEach(() => served.close());

    const signed = async (seconds = 300): Promise<URL> => new URL(await store.presignGet(key, seconds));

    describe('downloads', () => {
      it('serves the bytes with their type, nosniff, a safe disposition, a validator and a cache life within the URL\'s', async () => {
        const response = await fetch(await signed(120));
        expect(response.status).to.equal(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).to.equal(true);
        expect(response.headers.get('content-type')).to.equal('image/png');
        expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(parseDisposition(response.headers.get('content-disposition')!).parameters.filename).to.equal('Sunset at "the" beach.png');
        expect(response.headers.get('etag')).to.match(/^"[^"]+"$/);
        expect(response.headers.get('accept-ranges')).to.equal('bytes');
        const maxAge = Number(/^private, max-age=(\d+)$/.exec(response.headers.get('cache-control') ?? '')?.[1]);
        expect(maxAge).to.be.within(1, 120);
        clock.advance(100_000);
        const later = await fetch(await signed(300));
        expect(later.headers.get('cache-control')).to.equal('private, max-age=300');
      });

      it('refuses a URL whose signature, key or expiry was changed, or whose query was removed (403)', async () => {
        const url = await signed();
        const tampered = (change: (u: URL) => void): URL => {
          const copy = new URL(url);
          change(copy);
          return copy;
        };
        const signature = url.searchParams.get('signature')!;
        const cases = {
          'signature zeroed': tampered((u) => u.searchParams.set('signature', 'A'.repeat(signature.length))),
          'signature cut': tampered((u) => u.searchParams.set('signature', signature.slice(1))),
          'key swapped': tampered((u) => (u.pathname = u.pathname.replace('abc-123', 'abc-124'))),
          'expiry moved': tampered((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))),
          'query removed': tampered((u) => (u.search = '')),
          'signature removed': tampered((u) => u.searchParams.delete('signature')),
        };
        await store.put('images/abc-124.png', bytesOf(2000, 9), { contentType: 'image/png', fileName: 'other.png' });
        for (const [what, each] of Object.entries(cases)) expect((await fetch(each)).status, what).to.equal(403);
      });

      it('honours no response-* override and no other added parameter (403)', async () => {
        for (const [param, value] of [['response-content-type', 'text/html'], ['response-content-disposition', 'attachment; filename=x.html'], ['x', '1']]) {
          const url = await signed();
          url.searchParams.set(param!, value!);
          const response = await fetch(url);
          expect(response.status, param).to.equal(403);
          expect(response.headers.get('content-type')).to.match(/^application\/json/);
        }
      });

      it('refuses an expired URL with 403 url_expired', async () => {
        const url = await signed(60);
        clock.advance(60_000);
        const response = await fetch(url);
        expect(response.status).to.equal(403);
        expect(((await response.json()) as { error: string }).error).to.equal('url_expired');
      });

      it('signs for GET only', async () => {
        const url = await signed();
        for (const method of ['PUT', 'POST', 'DELETE']) expect((await fetch(url, { method })).status, method).to.be.oneOf([403, 404, 405]);
      });

      it('lists nothing: the folder paths answer as unknown (or, where the form posts, as taking POST only), whatever the query', async () => {
        for (const path of ['/files', '/files/', '/files/images', '/files/images/', '/files/?list-type=2', '/files/images?prefix=']) {
          const response = await fetch(new URL(path, served.url));
          expect(response.status, path).to.be.oneOf([403, 404, 405]);
          expect(await response.text(), path).not.to.include('abc-123');
        }
      });

      it('answers byte ranges with 206, a suffix range, and 416 past the end', async () => {
        const url = await signed();
        const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
        expect(part.status).to.equal(206);
        expect(part.headers.get('content-range')).to.equal(`bytes 100-199/${bytes.length}`);
        expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).to.equal(true);

        const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
        expect(tail.status).to.equal(206);
        expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).to.equal(true);

        const open = await fetch(url, { headers: { range: `bytes=${bytes.length - 5}-` } });
        expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(-5))).to.equal(true);

        const past = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
        expect(past.status).to.equal(416);
        expect(past.headers.get('content-range')).to.equal(`bytes */${bytes.length}`);

        const several = await fetch(url, { headers: { range: 'bytes=0-1,5-6' } });
        expect(several.status, 'multiple ranges fall back to the whole object').to.equal(200);
      });

      it('answers If-None-Match with 304, and If-Range with a stale validator with the whole object', async () => {
        const url = await signed();
        const etag = (await fetch(url)).headers.get('etag')!;
        const cached = await fetch(url, { headers: { 'if-none-match': etag } });
        expect(cached.status).to.equal(304);
        expect(cached.headers.get('etag')).to.equal(etag);
        expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).to.equal(200);
        const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
        expect(stale.status).to.equal(200);
        const fresh = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': etag } });
        expect(fresh.status).to.equal(206);
      });

      it('answers 404 for a signed key that holds nothing (any more)', async () => {
        const url = await signed();
        await store.delete(key);
        expect((await fetch(url)).status).to.equal(404);
      });
    });

    describe('direct-upload forms', () => {
      const pendingKey = 'pending/upload-1';

      const nothingLeft = async (): Promise<void> => {
        expect(await store.stat(pendingKey), 'object at the key').to.equal(undefined);
        if (served.leftovers !== undefined) expect(await served.leftovers(), 'temporary files').to.deep.equal([]);
      };

      it('stores the file under the signed key, streamed, with the form\'s type', async () => {
        const post = await store.presignPost(pendingKey, POLICY);
        const file = bytesOf(50_000, 5);
        const response = await postForm(post.url, post.fields, file);
        expect(response.status, await response.clone().text()).to.equal(204);
        expect(await store.stat(pendingKey)).to.deep.equal({ size: file.length, contentType: 'image/png' });
        expect(Buffer.from(await store.readStart(pendingKey, file.length)).equals(file)).to.equal(true);
        if (served.leftovers !== undefined) expect(await served.leftovers()).to.deep.equal([]);
      });

      it('refuses a file past the policy\'s maximum with 413, leaving nothing behind', async () => {
        const post = await store.presignPost(pendingKey, POLICY);
        const response = await postForm(post.url, post.fields, bytesOf(POLICY.maxBytes + 1, 6));
        expect(response.status).to.equal(413);
        await nothingLeft();
      });

      it('refuses a file under the policy\'s minimum with 400, leaving nothing behind', async () => {
        const post = await store.presignPost(pendingKey, POLICY);
        expect((await postForm(post.url, post.fields, bytesOf(POLICY.minBytes - 1, 6))).status).to.equal(400);
        await nothingLeft();
      });

      it('refuses another key, a type outside the policy, a changed policy or signature, and no policy (403)', async () => {
        const post = await store.presignPost(pendingKey, POLICY);
        const forged = Buffer.from(JSON.stringify({ key: pendingKey, expires: 9e9, minBytes: 0, maxBytes: 9e9, contentTypePrefix: '' })).toString('base64url');
        const cases: [string, Record<string, string>, string][] = [
          ['another key', { ...post.fields, key: 'images/abc-123.png' }, 'image/png'],
          ['text/html', post.fields, 'text/html'],
          ['a forged policy', { ...post.fields, policy: forged }, 'image/png'],
          ['a changed signature', { ...post.fields, signature: `x${post.fields.signature!.slice(1)}` }, 'image/png'],
          ['no policy', { key: pendingKey }, 'image/png'],
        ];
        for (const [what, fields, type] of cases) {
          expect((await postForm(post.url, fields, bytesOf(3000, 7), type)).status, what).to.equal(403);
        }
        await nothingLeft();
        expect(Buffer.from(await store.readStart(key, 10_000)).equals(bytes), 'the image under the other key is untouched').to.equal(true);
      });

      it('refuses a form once its policy has expired', async () => {
        const post = await store.presignPost(pendingKey, { ...POLICY, expiresInSeconds: 60 });
        clock.advance(60_000);
        expect((await postForm(post.url, post.fields, bytesOf(3000, 8))).status).to.equal(403);
        await nothingLeft();
      });

      it('does not accept a download signature as a form signature', async () => {
        const url = await signed();
        const fields = { key, policy: 'e30', signature: url.searchParams.get('signature')! };
        expect((await postForm(new URL('/files', served.url).toString(), fields, bytesOf(3000, 8))).status).to.equal(403);
      });
    });
  });
}
