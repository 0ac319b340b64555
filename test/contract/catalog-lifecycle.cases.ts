import { expect } from 'chai';
import type { Image } from '../../core/image.ts';
import type { ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import { rejection } from '../support/assertions.ts';
import { imageRecord } from '../support/records.ts';

const DELETED = '2026-06-01T00:00:00.000Z';
const PURGE = '2026-07-01T00:00:00.000Z';
const BEFORE_PURGE = '2026-06-15T00:00:00.000Z';
const AFTER_PURGE = '2026-07-02T00:00:00.000Z';

const ids = (images: Image[]): string[] => images.map((image) => image.id);

/** Edit, trash, restore and erase, as every catalog must do them (run inside the catalog contract). */
export function catalogLifecycleCases(current: () => ImageCatalog): void {
  describe('lifecycle', () => {
    let catalog: ImageCatalog;
    beforeEach(() => (catalog = current()));

    const seed = async (...images: Image[]): Promise<Image[]> => {
      for (const image of images) await catalog.create(image);
      return images;
    };
    const listed = async (query: Parameters<ImageCatalog['list']>[0]) => ids((await catalog.list(query)).items);
    const trash = async (ownerId: string, now = BEFORE_PURGE) => ids((await catalog.listTrash({ ownerId, limit: 50, now })).items);

    it('saves an edit with its tags: listings follow at once', async () => {
      const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea', 'sun'], title: 'Old' }));
      const after = { ...image!, title: 'New', description: 'Now described', tags: ['sun', 'city'], updatedAt: '2026-05-01T00:00:00.000Z' };
      expect(await catalog.saveEdit(image!, after)).to.equal(true);
      expect(await catalog.get(image!.id)).to.deep.equal(after);
      expect(await listed({ limit: 10, tags: ['sea'] })).to.deep.equal([]);
      expect(await listed({ limit: 10, tags: ['city'] })).to.deep.equal([image!.id]);
      expect(await listed({ limit: 10, userId: 'alice', tags: ['sea'] })).to.deep.equal([]);
      expect(await listed({ limit: 10, userId: 'alice', tags: ['sun'] })).to.deep.equal([image!.id]);
      // What a listing by tag returns is the edited image, not a stale copy.
      expect((await catalog.list({ limit: 10, tags: ['city'] })).items[0]).to.deep.equal(after);
    });

    it('refuses an edit made on a stale version, or on a deleted image, and changes nothing', async () => {
      const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }));
      const first = { ...image!, title: 'First', updatedAt: '2026-05-01T00:00:00.000Z' };
      expect(await catalog.saveEdit(image!, first)).to.equal(true);
      expect(await catalog.saveEdit(image!, { ...image!, title: 'Stale', tags: ['other'], updatedAt: '2026-05-02T00:00:00.000Z' })).to.equal(false);
      expect(await catalog.get(image!.id)).to.deep.equal(first);
      await catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
      const deleted = (await catalog.get(image!.id))!;
      expect(await catalog.saveEdit(deleted, { ...deleted, title: 'Too late' })).to.equal(false);
      expect((await catalog.get(image!.id))?.title).to.equal('First');
    });

    it('keeps what processing recorded between the read and the write of an edit', async () => {
      const [image] = await seed(imageRecord({ ownerId: 'alice', status: 'processing' }));
      expect(await catalog.recordProcessed(image!.id, { status: 'failed', reason: 'not decodable' })).to.equal(true);
      expect(await catalog.saveEdit(image!, { ...image!, title: 'Edited', updatedAt: '2026-05-01T00:00:00.000Z' })).to.equal(true);
      expect(await catalog.get(image!.id)).to.deep.include({ title: 'Edited', status: 'failed', statusReason: 'not decodable' });
    });

    it('lists the images still processing oldest first, so a backlog past the limit is worked from its old end', async () => {
      // Created out of order, so neither insertion order nor id order can pass for age.
      const days = ['2026-03-05', '2026-03-01', '2026-03-04', '2026-03-02', '2026-03-03'];
      const images = await seed(...days.map((day) => imageRecord({ status: 'processing', createdAt: `${day}T00:00:00.000Z` })), imageRecord({ status: 'ready' }));
      const byAge = [1, 3, 4, 2, 0].map((i) => images[i]!.id);
      // A work index may lag on some stores (DynamoDB's GSI); the order is what is held here.
      let listed: string[] = [];
      for (let tries = 0; tries < 20 && listed.length < 5; tries += 1) listed = await catalog.listProcessing(10);
      expect(listed).to.deep.equal(byAge);
      expect(await catalog.listProcessing(2)).to.deep.equal(byAge.slice(0, 2));
    });

    it('records processing without moving updatedAt (it is not an edit)', async () => {
      const [image] = await seed(imageRecord({ status: 'processing' }));
      const variants = { thumb: { width: 400, height: 400, contentType: 'image/webp', size: 10 }, display: { width: 800, height: 600, contentType: 'image/webp', size: 20 } };
      expect(await catalog.recordProcessed(image!.id, { status: 'ready', variants, placeholder: 'abc' })).to.equal(true);
      expect(await catalog.get(image!.id)).to.deep.equal({ ...image!, status: 'ready', variants, placeholder: 'abc' });
      expect(await catalog.recordProcessed(image!.id, { status: 'failed', reason: 'again' })).to.equal(false);
    });

    it("lists an owner's trash newest deletion first, page by page, and nobody else's", async () => {
      const images = await seed(...Array.from({ length: 5 }, () => imageRecord({ ownerId: 'alice' })), imageRecord({ ownerId: 'bob' }));
      const deletions = ['2026-06-03', '2026-06-01', '2026-06-05', '2026-06-02'].map((day) => `${day}T00:00:00.000Z`);
      for (const [i, at] of deletions.entries()) await catalog.markDeleted(images[i]!.id, 'alice', at, PURGE);
      await catalog.markDeleted(images[5]!.id, 'bob', DELETED, PURGE);
      const expected = [images[2], images[0], images[3], images[1]].map((image) => image!.id);
      expect(await trash('alice')).to.deep.equal(expected);
      const first = await catalog.listTrash({ ownerId: 'alice', limit: 3, now: BEFORE_PURGE });
      expect(ids(first.items)).to.deep.equal(expected.slice(0, 3));
      expect(first.more).to.equal(true);
      const last = first.items.at(-1)!;
      const second = await catalog.listTrash({ ownerId: 'alice', limit: 3, now: BEFORE_PURGE, after: `${last.deletedAt}#${last.id}` });
      expect({ ids: ids(second.items), more: second.more }).to.deep.equal({ ids: expected.slice(3), more: false });
      expect(first.items[0]).to.deep.include({ deletedAt: '2026-06-05T00:00:00.000Z', purgeAt: PURGE });
      expect(await trash('bob')).to.deep.equal([images[5]!.id]);
      // Past its purge time an image has left the trash, though the sweep has not erased it yet.
      expect(await trash('alice', AFTER_PURGE)).to.deep.equal([]);
    });

    it('restores a trashed image into every listing, with its tags', async () => {
      const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }));
      await catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
      const restored = await catalog.restore(image!.id, 'alice', '2026-06-02T00:00:00.000Z');
      expect(restored).to.deep.equal({ ...image!, updatedAt: '2026-06-02T00:00:00.000Z' });
      expect(await catalog.get(image!.id)).to.deep.equal(restored);
      for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }, { userId: 'alice', tags: ['sea'] }, { userId: 'alice', checksum: image!.checksum }]) {
        expect(await listed({ limit: 10, ...query }), JSON.stringify(query)).to.deep.equal([image!.id]);
      }
      expect(await trash('alice')).to.deep.equal([]);
    });

    it('refuses to restore a live image (409), an erased one (404), an unknown one (404) or another owner\'s (403)', async () => {
      const [live, erased, other] = await seed(imageRecord({ ownerId: 'alice' }), imageRecord({ ownerId: 'alice' }), imageRecord({ ownerId: 'bob' }));
      expect((await rejection(catalog.restore(live!.id, 'alice', DELETED))).kind).to.equal('conflict');
      await catalog.markDeleted(erased!.id, 'alice', DELETED, PURGE);
      expect((await rejection(catalog.restore(erased!.id, 'alice', AFTER_PURGE))).kind).to.equal('not_found');
      expect((await rejection(catalog.restore('no-such-image', 'alice', DELETED))).kind).to.equal('not_found');
      await catalog.markDeleted(other!.id, 'bob', DELETED, PURGE);
      expect((await rejection(catalog.restore(other!.id, 'alice', BEFORE_PURGE))).kind).to.equal('forbidden');
    });

    it('hides an image for good when its owner begins erasing it, live or trashed, and finishes with erase', async () => {
      const [live, trashed] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }), imageRecord({ ownerId: 'alice', tags: ['sea'] }));
      await catalog.markDeleted(trashed!.id, 'alice', DELETED, PURGE);
      for (const image of [live!, trashed!]) {
        const hidden = await catalog.beginPurge(image.id, { ownerId: 'alice' }, BEFORE_PURGE);
        expect(hidden).to.deep.include({ id: image.id, storageKey: image.storageKey, purgeAt: BEFORE_PURGE });
        // Again, as a retry after a crash would: it is handed back, to be finished.
        expect((await catalog.beginPurge(image.id, { ownerId: 'alice' }, BEFORE_PURGE))?.id).to.equal(image.id);
      }
      for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }]) expect(await listed({ limit: 10, ...query })).to.deep.equal([]);
      expect(await trash('alice')).to.deep.equal([]);
      expect((await catalog.listPurgeable(BEFORE_PURGE, 10)).sort()).to.deep.equal([live!.id, trashed!.id].sort());
      for (const image of [live!, trashed!]) await catalog.erase(image.id);
      expect(await catalog.get(live!.id)).to.equal(undefined);
      expect(await catalog.listPurgeable(AFTER_PURGE, 10)).to.deep.equal([]);
      expect(await catalog.beginPurge(live!.id, { ownerId: 'alice' }, AFTER_PURGE)).to.equal(undefined);
    });

    it('refuses a restore whose clock read a moment before an erasure began, once the erasure has hidden the image', async () => {
      // Two requests a moment apart: the restore read its time first, the erasure wrote first.
      const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }));
      await catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
      const restoreTime = new Date(Date.parse(BEFORE_PURGE) - 1).toISOString();
      await catalog.beginPurge(image!.id, { ownerId: 'alice' }, BEFORE_PURGE);
      expect((await rejection(catalog.restore(image!.id, 'alice', restoreTime))).kind).to.equal('not_found');
      for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }]) expect(await listed({ limit: 10, ...query })).to.deep.equal([]);
      expect(await catalog.listPurgeable(BEFORE_PURGE, 10)).to.deep.equal([image!.id]);
    });

    it("refuses to erase another owner's image, and the sweep takes only what expired", async () => {
      const [image] = await seed(imageRecord({ ownerId: 'alice' }));
      expect((await rejection(catalog.beginPurge(image!.id, { ownerId: 'mallory' }, DELETED))).kind).to.equal('forbidden');
      expect(await catalog.beginPurge(image!.id, { expiredBy: AFTER_PURGE }, AFTER_PURGE), 'a live image never expires').to.equal(undefined);
      await catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
      expect(await catalog.listPurgeable(BEFORE_PURGE, 10)).to.deep.equal([]);
      expect(await catalog.beginPurge(image!.id, { expiredBy: BEFORE_PURGE }, BEFORE_PURGE)).to.equal(undefined);
      expect(await catalog.listPurgeable(AFTER_PURGE, 10)).to.deep.equal([image!.id]);
      expect((await catalog.beginPurge(image!.id, { expiredBy: AFTER_PURGE }, AFTER_PURGE))?.id).to.equal(image!.id);
    });

    it("finds an owner's live images by checksum, and only those", async () => {
      const checksum = `sha256:${'ab'.repeat(32)}`;
      const [a, b, other, deleted] = await seed(
        imageRecord({ ownerId: 'alice', checksum }),
        imageRecord({ ownerId: 'alice', checksum }),
        imageRecord({ ownerId: 'bob', checksum }),
        imageRecord({ ownerId: 'alice', checksum }),
        imageRecord({ ownerId: 'alice' }),
      );
      await catalog.markDeleted(deleted!.id, 'alice', DELETED, PURGE);
      expect(await listed({ limit: 10, userId: 'alice', checksum })).to.deep.equal([b!.id, a!.id]);
      expect(await listed({ limit: 10, userId: 'bob', checksum })).to.deep.equal([other!.id]);
      const page = await catalog.list({ limit: 1, userId: 'alice', checksum });
      expect({ ids: ids(page.items), more: page.more }).to.deep.equal({ ids: [b!.id], more: true });
    });

    it('lets an edit racing a delete leave one consistent outcome', async () => {
      for (let round = 0; round < 5; round += 1) {
        const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }));
        const edit = catalog.saveEdit(image!, { ...image!, tags: ['city'], updatedAt: '2026-05-01T00:00:00.000Z' });
        const remove = catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
        const [edited] = await Promise.all([edit, remove]);
        const now = (await catalog.get(image!.id))!;
        expect(now.deletedAt).to.equal(DELETED);
        expect(now.tags).to.deep.equal(edited ? ['city'] : ['sea']);
        // Deleted either way: no tag listing shows it.
        for (const tag of ['sea', 'city']) expect(await listed({ limit: 10, tags: [tag] })).not.to.include(image!.id);
      }
    });

    it('lets a restore racing an erasure leave the image either erased-hidden or live, never half of each', async () => {
      for (let round = 0; round < 5; round += 1) {
        const [image] = await seed(imageRecord({ ownerId: 'alice', tags: ['sea'] }));
        await catalog.markDeleted(image!.id, 'alice', DELETED, PURGE);
        const [restored] = await Promise.allSettled([catalog.restore(image!.id, 'alice', BEFORE_PURGE), catalog.beginPurge(image!.id, { ownerId: 'alice' }, BEFORE_PURGE)]);
        const now = (await catalog.get(image!.id))!;
        // The owner may erase a live image too, so the erasure always ends hidden; a restore that lost says 404.
        expect(now.purgeAt).to.equal(BEFORE_PURGE);
        expect(await listed({ limit: 10, tags: ['sea'] })).not.to.include(image!.id);
        expect(await trash('alice', BEFORE_PURGE)).not.to.include(image!.id);
        if (restored.status === 'rejected') expect(restored.reason).to.include({ kind: 'not_found' });
      }
    });
  });
}
