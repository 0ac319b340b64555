import { expect } from 'chai';
import type { ProbedFile } from '../../core/ports/image-probe.port.ts';
import { CheckReadiness } from '../../core/use-cases/check-readiness.ts';
import { DeleteImage } from '../../core/use-cases/trash.ts';
import { GetImage, ListImages } from '../../core/use-cases/read-images.ts';
import { UploadImage } from '../../core/use-cases/upload-image.ts';
import { ImageUrls } from '../../core/use-cases/image-urls.ts';
import type { UploadInput } from '../../core/use-cases/upload-image.ts';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { HmacPageTokens } from '../../adapters/system/hmac-page-tokens.ts';
import { rejection } from '../support/assertions.ts';
import { ManualClock, RecordingQueue, SequentialIds, failing, keptOriginals } from '../support/fakes.ts';


function setup(probed: ProbedFile = { contentType: 'image/png', width: 640, height: 480 }) {
  const clock = new ManualClock('2026-02-03T04:05:06.789Z');
  const blobs = new MemoryBlobStore(clock, 'http://localhost:8000');
  const catalog = new MemoryImageCatalog();
  const probeCalls: Uint8Array[] = [];
  const probe = { probe: async (bytes: Uint8Array) => (probeCalls.push(bytes), probed) };
  const tokens = new HmacPageTokens(Buffer.alloc(32, 7));
  const queue = new RecordingQueue();
  const brokenBlobs = new Set<keyof MemoryBlobStore>();
  const brokenCatalog = new Set<keyof MemoryImageCatalog>();
  const blobsView = failing(blobs, () => brokenBlobs);
  const catalogView = failing(catalog, () => brokenCatalog);
  return {
    clock,
    blobs,
    catalog,
    probeCalls,
    brokenBlobs,
    brokenCatalog,
    queue,
    upload: new UploadImage(blobsView, catalogView, probe, keptOriginals(), queue, clock, new SequentialIds()),
    get: new GetImage(catalogView, new ImageUrls(blobsView, keptOriginals())),
    list: new ListImages(catalogView, new ImageUrls(blobsView, keptOriginals()), tokens),
    remove: new DeleteImage(catalogView, clock, 30),
    readiness: new CheckReadiness(blobsView, catalogView),
  };
}

const input = (overrides: Partial<UploadInput> = {}): UploadInput => ({
  userId: 'alice',
  title: ' Sunset ',
  description: 'Over the hills',
  tags: ['Nature', 'sunset', 'NATURE'],
  fileName: '../secret/../../My Photo.JPG',
  bytes: new Uint8Array(4096).fill(1),
  ...overrides,
});

describe('use cases', () => {
  describe('upload', () => {
    it('stores the bytes and the normalised metadata, keyed by a server-made id', async () => {
      const s = setup({ contentType: 'image/webp', width: 640, height: 480 });
      const { image, downloadUrl } = await s.upload.execute(input());
      expect(image).to.deep.include({
        id: 'img-000001',
        ownerId: 'alice',
        title: 'Sunset',
        description: 'Over the hills',
        tags: ['nature', 'sunset'],
        fileName: 'My Photo.webp',
        fileSize: 4096,
        contentType: 'image/webp',
        format: 'webp',
        width: 640,
        height: 480,
        storageKey: 'images/img-000001.webp',
        createdAt: '2026-02-03T04:05:06.789Z',
      });
      expect(await s.catalog.get(image.id)).to.deep.equal(image);
      expect(await s.blobs.exists('images/img-000001.webp')).to.equal(true);
      expect(downloadUrl).to.match(/^http:\/\/localhost:8000\/files\/images\/img-000001\.webp\?expires=\d+&signature=/);
    });

    it('rejects bad metadata before probing or storing anything', async () => {
      for (const bad of [{ userId: undefined }, { title: '   ' }, { description: 'x'.repeat(1001) }, { tags: ['a/b'] }]) {
        const s = setup();
        expect((await rejection(s.upload.execute(input(bad)))).kind, JSON.stringify(bad)).to.equal('validation');
        expect(s.probeCalls, JSON.stringify(bad)).to.have.length(0);
        expect((await s.catalog.list({ limit: 10 })).items).to.have.length(0);
      }
    });

    it('rejects by size before probing: 413 over 10 MiB, 400 under 1 KiB', async () => {
      const s = setup();
      expect((await rejection(s.upload.execute(input({ bytes: new Uint8Array(10 * 1024 * 1024 + 1) }))))).to.include({ kind: 'too_large' });
      expect((await rejection(s.upload.execute(input({ bytes: new Uint8Array(1023) }))))).to.include({ kind: 'validation' });
      expect(s.probeCalls).to.have.length(0);
    });

    it('rejects what the probe does not recognise as an accepted format (415), storing nothing', async () => {
      for (const contentType of [undefined, 'image/svg+xml', 'image/bmp']) {
        const s = setup({ contentType, width: 100, height: 100 });
        expect((await rejection(s.upload.execute(input()))).kind).to.equal('unsupported_media');
        expect(await s.blobs.exists('images/img-000001.png')).to.equal(false);
      }
    });

    it('rejects an unreadable header and out-of-range dimensions (400), storing nothing', async () => {
      for (const probed of [{ contentType: 'image/png' }, { contentType: 'image/png', width: 49, height: 100 }, { contentType: 'image/png', width: 50_000, height: 50_000 }]) {
        const s = setup(probed);
        expect((await rejection(s.upload.execute(input()))).kind, JSON.stringify(probed)).to.equal('validation');
        expect(await s.blobs.exists('images/img-000001.png')).to.equal(false);
        expect((await s.catalog.list({ limit: 10 })).items).to.have.length(0);
      }
    });

    it('stores no metadata when the blob store fails', async () => {
      const s = setup();
      s.brokenBlobs.add('put');
      expect((await rejection(s.upload.execute(input()))).kind).to.equal('unavailable');
      expect((await s.catalog.list({ limit: 10 })).items).to.have.length(0);
    });

    it('removes the object when the metadata write fails', async () => {
      const s = setup();
      s.brokenCatalog.add('create');
      expect((await rejection(s.upload.execute(input()))).kind).to.equal('unavailable');
      expect(await s.blobs.exists('images/img-000001.png')).to.equal(false);
    });
  });

  describe('get and download URL', () => {
    it('returns a live image with a URL valid for the requested time', async () => {
      const s = setup();
      const { image } = await s.upload.execute(input());
      const result = await s.get.download(image.id, undefined, 600);
      expect(result.expiresIn).to.equal(600);
      const expires = Number(new URL(result.downloadUrl).searchParams.get('expires'));
      expect(expires).to.equal(Math.floor(Date.parse('2026-02-03T04:05:06.789Z') / 1000) + 600);
    });

    it('defaults the URL lifetime to an hour and refuses 59 s and 86401 s', async () => {
      const s = setup();
      const { image } = await s.upload.execute(input());
      expect((await s.get.download(image.id, undefined)).expiresIn).to.equal(3600);
      expect((await rejection(s.get.download(image.id, undefined, 59))).details).to.deep.include({ field: 'expires_in' });
      expect((await rejection(s.get.download(image.id, undefined, 86_401))).kind).to.equal('validation');
    });

    it('leaves every URL out when asked to, on one image as in a listing: the original and the variants', async () => {
      const s = setup();
      const { image } = await s.upload.execute(input());
      const variant = { width: 400, height: 400, contentType: 'image/webp', size: 1000 };
      await s.catalog.recordProcessed(image.id, { status: 'ready', variants: { thumb: variant, display: variant }, placeholder: 'abc' });
      const signed = await s.get.signed(image.id, 'alice');
      expect(signed.downloadUrl).to.be.a('string');
      expect(Object.keys(signed.variantUrls)).to.deep.equal(['thumb', 'display']);
      for (const bare of [await s.get.signed(image.id, 'alice', false), (await s.list.execute({ withUrls: false })).images[0]!]) {
        expect(bare.downloadUrl).to.equal(null);
        expect(bare.variantUrls).to.deep.equal({});
      }
    });

    it('treats unknown, malformed and deleted ids as not found', async () => {
      const s = setup();
      const { image } = await s.upload.execute(input());
      await s.remove.execute(image.id, 'alice');
      for (const id of [image.id, 'no-such-id', '../../etc/passwd', 'x'.repeat(65)]) {
        expect((await rejection(s.get.execute(id))).kind, id).to.equal('not_found');
        expect((await rejection(s.get.download(id, undefined))).kind, id).to.equal('not_found');
      }
    });
  });

  describe('list', () => {
    it('pages with tokens that are refused on any other query', async () => {
      const s = setup();
      for (let i = 0; i < 5; i += 1) {
        await s.upload.execute(input());
        s.clock.advance(1000);
      }
      const first = await s.list.execute({ limit: 2, tags: ['nature'] });
      expect(first.images.map((i) => i.image.id)).to.deep.equal(['img-000005', 'img-000004']);
      expect(first.nextPageToken).to.be.a('string');
      const second = await s.list.execute({ limit: 2, tags: ['NATURE'], pageToken: first.nextPageToken! });
      expect(second.images.map((i) => i.image.id)).to.deep.equal(['img-000003', 'img-000002']);

      for (const other of [{ limit: 3, tags: ['nature'] }, { limit: 2 }, { limit: 2, tags: ['nature'], userId: 'alice' }]) {
        const error = await rejection(s.list.execute({ ...other, pageToken: first.nextPageToken! }));
        expect(error.code, JSON.stringify(other)).to.equal('invalid_page_token');
      }
    });

    it('refuses garbled, tampered and truncated tokens as invalid_page_token', async () => {
      const s = setup();
      for (let i = 0; i < 3; i += 1) await s.upload.execute(input());
      const token = (await s.list.execute({ limit: 1 })).nextPageToken!;
      const [payload, signature] = token.split('.');
      const forged = `${Buffer.from('2099-01-01T00:00:00.000Z#zzz').toString('base64url')}.${signature}`;
      for (const bad of ['garbage', '', token.slice(0, -1), `${payload}.${'A'.repeat(43)}`, forged, `${token}x`, 'a.b.c']) {
        expect((await rejection(s.list.execute({ limit: 1, pageToken: bad }))).code, bad).to.equal('invalid_page_token');
      }
    });

    it('refuses a start date that is not before the end date', async () => {
      const s = setup();
      const error = await rejection(s.list.execute({ startDate: '2026-01-02T00:00:00Z', endDate: '2026-01-02T00:00:00Z' }));
      expect(error.details).to.deep.include({ field: 'start_date' });
      expect((await rejection(s.list.execute({ startDate: '2026-01-03', endDate: '2026-01-02' }))).details).to.deep.include({ field: 'start_date' });
    });

    it('reads a bare end date as the whole of that day, so one day is start_date=end_date', async () => {
      const s = setup();
      expect((await s.list.execute({ startDate: '2026-01-02', endDate: '2026-01-02' })).images).to.deep.equal([]);
    });
  });

  describe('delete', () => {
    it('lets only the owner delete, once', async () => {
      const s = setup();
      const { image } = await s.upload.execute(input());
      expect((await rejection(s.remove.execute(image.id, 'mallory'))).kind).to.equal('forbidden');
      await s.remove.execute(image.id, 'alice');
      // One millisecond after the upload's own write: every change moves the version on.
      expect(await s.catalog.get(image.id)).to.deep.include({ deletedAt: '2026-02-03T04:05:06.790Z', purgeAt: '2026-03-05T04:05:06.790Z' });
      expect(await s.blobs.exists(image.storageKey), 'soft delete keeps the bytes').to.equal(true);
      expect((await rejection(s.remove.execute(image.id, 'alice'))).kind).to.equal('gone');
      expect((await rejection(s.remove.execute('unknown-id', 'alice'))).kind).to.equal('not_found');
    });
  });

  describe('readiness', () => {
    it('is ready only when both stores answer', async () => {
      const s = setup();
      expect(await s.readiness.execute()).to.deep.equal({ ready: true, checks: { blob_store: 'ok', metadata_store: 'ok' } });
      s.brokenCatalog.add('ping');
      expect(await s.readiness.execute()).to.deep.equal({ ready: false, checks: { blob_store: 'ok', metadata_store: 'unavailable' } });
    });
  });
});
