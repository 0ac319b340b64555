import { expect } from 'chai';
import { sortKey } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogQuery, ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import { rejection } from '../support/assertions.ts';
import { imageRecord } from '../support/records.ts';
import { catalogLifecycleCases } from './catalog-lifecycle.cases.ts';

/** A purge time for images put in the trash by these tests, well after their deletion. */
const PURGE_AT = '2026-07-01T00:00:00.000Z';

export interface CatalogHarness {
  catalog: ImageCatalog;
  close?(): Promise<void>;
}


/** Follows page positions to the end, as a client follows page tokens. */
async function listAll(catalog: ImageCatalog, query: Omit<CatalogQuery, 'after'>): Promise<{ ids: string[]; pageSizes: number[] }> {
  const ids: string[] = [];
  const pageSizes: number[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 1000; guard += 1) {
    const page = await catalog.list({ ...query, ...(after === undefined ? {} : { after }) });
    ids.push(...page.items.map((image) => image.id));
    pageSizes.push(page.items.length);
    const last = page.items.at(-1);
    if (!page.more || last === undefined) return { ids, pageSizes };
    after = sortKey(last);
  }
  expect.fail('paging did not end');
}

const newestFirst = (images: Image[]): string[] => [...images].sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1)).map((i) => i.id);

/**
 * The behaviour every ImageCatalog adapter must have. Each test gets a fresh, empty catalog
 * from `makeHarness`, so adapters backed by a shared server must isolate tests themselves.
 */
export function imageCatalogContract(name: string, makeHarness: () => Promise<CatalogHarness>): void {
  describe(`ImageCatalog contract: ${name}`, function () {
    let harness: CatalogHarness;
    let catalog: ImageCatalog;

    beforeEach(async () => {
      harness = await makeHarness();
      catalog = harness.catalog;
    });
    afterEach(async () => harness.close?.());

    const seed = async (images: Image[]): Promise<Image[]> => {
      for (const image of images) await catalog.create(image);
      return images;
    };

    it('answers a ping', async () => {
      await catalog.ping();
    });

    it('gives back exactly what was created', async () => {
      const image = imageRecord({ tags: ['sea', 'sun'], title: 'Beach', description: 'Long day', width: 4000, height: 50 });
      await catalog.create(image);
      expect(await catalog.get(image.id)).to.deep.equal(image);
    });

    it('gives back null title and description and an empty tag list unchanged', async () => {
      const image = imageRecord({ title: null, description: null, tags: [] });
      await catalog.create(image);
      expect(await catalog.get(image.id)).to.deep.equal(image);
    });

    it('knows nothing of an unknown id', async () => {
      expect(await catalog.get('no-such-image')).to.equal(undefined);
    });

    it('refuses to create an id twice and keeps the first', async () => {
      const first = imageRecord({ title: 'first' });
      await catalog.create(first);
      const error = await rejection(catalog.create({ ...first, title: 'second' }));
      expect(error.kind).to.equal('conflict');
      expect((await catalog.get(first.id))?.title).to.equal('first');
    });

    describe('soft delete', () => {
      it('marks the image deleted for its owner, keeping the record', async () => {
        const [image] = await seed([imageRecord({ ownerId: 'alice' })]);
        await catalog.markDeleted(image!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        expect((await catalog.get(image!.id))?.deletedAt).to.equal('2026-06-01T00:00:00.000Z');
      });

      it('changes nothing but deletedAt, purgeAt and updatedAt', async () => {
        const [image] = await seed([imageRecord({ ownerId: 'alice', tags: ['sea'], description: 'kept' })]);
        await catalog.markDeleted(image!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        expect(await catalog.get(image!.id)).to.deep.equal({ ...image, deletedAt: '2026-06-01T00:00:00.000Z', purgeAt: PURGE_AT, updatedAt: '2026-06-01T00:00:00.000Z' });
      });

      it('refuses another owner (403), an unknown id (404) and a second delete (410)', async () => {
        const [image] = await seed([imageRecord({ ownerId: 'alice' })]);
        expect((await rejection(catalog.markDeleted(image!.id, 'mallory', '2026-06-01T00:00:00.000Z', PURGE_AT))).kind).to.equal('forbidden');
        expect((await catalog.get(image!.id))?.deletedAt).to.equal(undefined);
        expect((await rejection(catalog.markDeleted('no-such-image', 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT))).kind).to.equal('not_found');
        await catalog.markDeleted(image!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        expect((await rejection(catalog.markDeleted(image!.id, 'alice', '2026-06-02T00:00:00.000Z', PURGE_AT))).kind).to.equal('gone');
        expect((await rejection(catalog.markDeleted(image!.id, 'mallory', '2026-06-02T00:00:00.000Z', PURGE_AT))).kind).to.equal('forbidden');
      });

      it('lets exactly one of several concurrent deletes win', async () => {
        const [image] = await seed([imageRecord({ ownerId: 'alice' })]);
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => catalog.markDeleted(image!.id, 'alice', `2026-06-01T00:00:0${i}.000Z`, PURGE_AT)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        for (const result of results.filter((r) => r.status === 'rejected')) {
          expect((result as PromiseRejectedResult).reason).to.include({ kind: 'gone' });
        }
      });

      it('removes the image from every listing', async () => {
        const [kept, gone] = await seed([imageRecord({ ownerId: 'alice', tags: ['sea'] }), imageRecord({ ownerId: 'alice', tags: ['sea'] })]);
        await catalog.markDeleted(gone!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }, { from: '2000-01-01T00:00:00.000Z' }]) {
          const page = await catalog.list({ limit: 10, ...query });
          expect(page.items.map((i) => i.id), JSON.stringify(query)).to.deep.equal([kept!.id]);
        }
      });

      it('never counts a deleted image towards a page or towards "more"', async () => {
        const images = await seed(Array.from({ length: 6 }, () => imageRecord({ ownerId: 'alice', tags: ['sea'] })));
        const [oldest, , , thirdNewest] = images;
        await catalog.markDeleted(oldest!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        await catalog.markDeleted(thirdNewest!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        const live = newestFirst(images.filter((i) => i !== oldest && i !== thirdNewest));
        for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }, { userId: 'alice', tags: ['sea'] }, { from: '2000-01-01T00:00:00.000Z' }]) {
          // Both pages of 2 end right before a deleted image: the look-ahead must skip it.
          const { ids, pageSizes } = await listAll(catalog, { limit: 2, ...query });
          expect(ids, JSON.stringify(query)).to.deep.equal(live);
          expect(pageSizes, JSON.stringify(query)).to.deep.equal([2, 2]);
        }
      });
    });

    describe('listing', () => {
      it('is empty for an empty catalog', async () => {
        expect(await catalog.list({ limit: 20 })).to.deep.equal({ items: [], more: false });
      });

      it('lists newest first with full pages and a correct "more"', async () => {
        const images = await seed(Array.from({ length: 5 }, () => imageRecord()));
        const page = await catalog.list({ limit: 3 });
        expect(page.items.map((i) => i.id)).to.deep.equal(newestFirst(images).slice(0, 3));
        expect(page.more).to.equal(true);
        const exact = await catalog.list({ limit: 5 });
        expect(exact.items).to.have.length(5);
        expect(exact.more).to.equal(false);
      });

      it('visits every match exactly once when paging, whatever the page size', async () => {
        const images = await seed(Array.from({ length: 23 }, () => imageRecord()));
        for (const limit of [1, 2, 7, 23, 100]) {
          const { ids, pageSizes } = await listAll(catalog, { limit });
          expect(ids, `limit ${limit}`).to.deep.equal(newestFirst(images));
          expect(pageSizes.slice(0, -1).every((size) => size === limit), `full pages at limit ${limit}`).to.equal(true);
        }
      });

      it('orders images created in the same millisecond by id and pages through them', async () => {
        const at = '2026-03-03T03:03:03.003Z';
        const images = await seed(['t-c', 't-a', 't-e', 't-b', 't-d'].map((id) => imageRecord({ id, createdAt: at })));
        const { ids } = await listAll(catalog, { limit: 2 });
        expect(ids).to.deep.equal(newestFirst(images));
        expect(ids).to.deep.equal(['t-e', 't-d', 't-c', 't-b', 't-a']);
      });

      it('filters by user', async () => {
        const images = await seed([imageRecord({ ownerId: 'alice' }), imageRecord({ ownerId: 'bob' }), imageRecord({ ownerId: 'alice' })]);
        const { ids } = await listAll(catalog, { limit: 1, userId: 'alice' });
        expect(ids).to.deep.equal(newestFirst(images.filter((i) => i.ownerId === 'alice')));
      });

      it('filters by tags with ANY semantics, listing an image with several matching tags once', async () => {
        const images = await seed([
          imageRecord({ tags: ['sea', 'sun'] }),
          imageRecord({ tags: ['city'] }),
          imageRecord({ tags: ['sun'] }),
          imageRecord({ tags: ['sea'] }),
          imageRecord({ tags: [] }),
        ]);
        for (const limit of [1, 2, 10]) {
          const { ids } = await listAll(catalog, { limit, tags: ['sea', 'sun'] });
          expect(ids, `limit ${limit}`).to.deep.equal(newestFirst(images.filter((i) => i.tags.some((t) => t === 'sea' || t === 'sun'))));
        }
      });

      it('filters by date with the start inclusive and the end exclusive', async () => {
        const at = (time: string) => `2026-05-01T${time}.000Z`;
        const images = await seed([
          imageRecord({ createdAt: at('09:59:59') }),
          imageRecord({ createdAt: at('10:00:00') }),
          imageRecord({ createdAt: at('11:00:00') }),
          imageRecord({ createdAt: at('12:00:00') }),
        ]);
        const { ids } = await listAll(catalog, { limit: 1, from: at('10:00:00'), to: at('12:00:00') });
        expect(ids).to.deep.equal([images[2]!.id, images[1]!.id]);
        expect((await listAll(catalog, { limit: 10, from: at('11:00:00') })).ids).to.deep.equal([images[3]!.id, images[2]!.id]);
        expect((await listAll(catalog, { limit: 10, to: at('10:00:00') })).ids).to.deep.equal([images[0]!.id]);
      });

      it('combines user, tags and dates', async () => {
        const at = (day: string) => `2026-05-${day}T00:00:00.000Z`;
        const images = await seed([
          imageRecord({ ownerId: 'alice', tags: ['sea'], createdAt: at('01') }),
          imageRecord({ ownerId: 'alice', tags: ['sea'], createdAt: at('02') }),
          imageRecord({ ownerId: 'bob', tags: ['sea'], createdAt: at('02') }),
          imageRecord({ ownerId: 'alice', tags: ['city'], createdAt: at('03') }),
          imageRecord({ ownerId: 'alice', tags: ['sun', 'sea'], createdAt: at('04') }),
          imageRecord({ ownerId: 'alice', tags: ['sea'], createdAt: at('05') }),
        ]);
        const { ids } = await listAll(catalog, { limit: 1, userId: 'alice', tags: ['sea', 'sun'], from: at('02'), to: at('05') });
        expect(ids).to.deep.equal([images[4]!.id, images[1]!.id]);
      });

      it('lists the records exactly as created, in every mode', async () => {
        const images = await seed([
          imageRecord({ ownerId: 'alice', tags: ['sea'], title: null, description: 'Long day' }),
          imageRecord({ ownerId: 'alice', tags: ['sea', 'sun'], description: null }),
        ]);
        for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }, { userId: 'alice', tags: ['sun', 'sea'] }, { from: '2000-01-01T00:00:00.000Z' }]) {
          const page = await catalog.list({ limit: 10, ...query });
          expect(page.items, JSON.stringify(query)).to.deep.equal([images[1], images[0]]);
        }
      });

      it('lists an image reached through several of the asked tags once, across page boundaries', async () => {
        const images = await seed(
          Array.from({ length: 9 }, (_, i) => imageRecord({ ownerId: 'alice', tags: [['sea', 'sun'], ['sun', 'sea', 'city'], ['sea'], ['city']][i % 4]! })),
        );
        const matching = newestFirst(images.filter((i) => i.tags.includes('sea') || i.tags.includes('sun')));
        for (const limit of [1, 2, 3]) {
          for (const query of [{ tags: ['sea', 'sun'] }, { tags: ['sun', 'sea', 'beach'] }, { userId: 'alice', tags: ['sea', 'sun'] }]) {
            const { ids, pageSizes } = await listAll(catalog, { limit, ...query });
            expect(ids, `limit ${limit} ${JSON.stringify(query)}`).to.deep.equal(matching);
            expect(pageSizes.slice(0, -1).every((size) => size === limit), `full pages at limit ${limit}`).to.equal(true);
          }
        }
      });

      it('pages through many images of one millisecond in every mode', async () => {
        const at = '2026-04-04T04:04:04.004Z';
        const images = await seed(
          Array.from({ length: 12 }, (_, i) =>
            imageRecord({ id: `ms-${String.fromCharCode(97 + ((i * 5) % 12))}`, createdAt: at, ownerId: i % 3 === 0 ? 'bob' : 'alice', tags: i % 2 === 0 ? ['sea'] : ['sun'] }),
          ),
        );
        const cases: [Omit<CatalogQuery, 'limit' | 'after'>, (image: Image) => boolean][] = [
          [{}, () => true],
          [{ userId: 'alice' }, (i) => i.ownerId === 'alice'],
          [{ tags: ['sea'] }, (i) => i.tags.includes('sea')],
          [{ tags: ['sea', 'sun'] }, () => true],
          [{ userId: 'alice', tags: ['sun'] }, (i) => i.ownerId === 'alice' && i.tags.includes('sun')],
          [{ from: at, to: '2026-04-04T04:04:04.005Z' }, () => true],
        ];
        for (const [query, matches] of cases) {
          for (const limit of [1, 2, 5]) {
            const { ids } = await listAll(catalog, { limit, ...query });
            expect(ids, `limit ${limit} ${JSON.stringify(query)}`).to.deep.equal(newestFirst(images.filter(matches)));
          }
        }
      });

      it('finds matches behind many images that do not match, and knows when none is left', async () => {
        const [beach, ...others] = await seed([
          imageRecord({ ownerId: 'alice', tags: ['beach'] }),
          ...Array.from({ length: 30 }, (_, i) => imageRecord({ ownerId: i % 2 === 0 ? 'alice' : 'bob', tags: ['city'] })),
        ]);
        for (const query of [{ tags: ['beach'] }, { userId: 'alice', tags: ['beach'] }, { to: others[0]!.createdAt }]) {
          expect(await catalog.list({ limit: 1, ...query }), JSON.stringify(query)).to.deep.equal({ items: [beach], more: false });
        }
        const newestCity = others.at(-1)!;
        expect(await catalog.list({ limit: 1, userId: 'alice', tags: ['beach', 'city'], after: sortKey(newestCity) })).to.deep.include({ more: true });
        expect(await catalog.list({ limit: 1, userId: 'bob', tags: ['beach'] })).to.deep.equal({ items: [], more: false });
      });

      it('lists nothing for an empty or inverted date range', async () => {
        const [image] = await seed([imageRecord()]);
        for (const query of [{ from: image!.createdAt, to: image!.createdAt }, { from: image!.createdAt, to: '2000-01-01T00:00:00.000Z' }]) {
          expect(await catalog.list({ limit: 5, ...query }), JSON.stringify(query)).to.deep.equal({ items: [], more: false });
        }
      });
    });

    catalogLifecycleCases(() => catalog);
  });
}
