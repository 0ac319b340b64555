import { expect } from 'chai';
import request from 'supertest';
import { TOKENS } from '../../apps/tokens.ts';
import type { EntryPoint, StartOptions, TestApp } from '../support/app.ts';
import { startApp } from '../support/app.ts';
import { upload } from '../support/upload.ts';
import type { UploadFields } from '../support/upload.ts';
import { expectError } from '../http/expect.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const alice = { 'X-User-Id': 'alice' };
const bob = { 'X-User-Id': 'bob' };

/** Edit, trash, restore and erase through one entry point on one backend (shared/design/api.md, "Lifecycle"). */
export function lifecycleCases(entry: EntryPoint, options: () => StartOptions = () => ({})): void {
  describe('lifecycle: edit, trash, restore, erase', function () {
    this.timeout(60_000);
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry, { ...options(), env: { TRASH_DAYS: '7', ...options().env } })));
    afterEach(() => app.close());

    const seed = async (fields: UploadFields = { user_id: 'alice', title: 'Sunset', tags: 'sea,sun' }): Promise<string> => {
      const response = await upload(app.url, { fields });
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      app.clock.advance(1000);
      return response.body.image_id as string;
    };
    const get = (id: string) => request(app.url).get(`/images/${id}`);
    const ids = async (path: string, headers: Record<string, string> = {}): Promise<string[]> => {
      const response = await request(app.url).get(path).set(headers);
      expect(response.status, `${path} ${JSON.stringify(response.body)}`).to.equal(200);
      return (response.body.images as { image_id: string }[]).map((image) => image.image_id);
    };
    const patch = (id: string, body: unknown, headers: Record<string, string> = alice) => request(app.url).patch(`/images/${id}`).set(headers).send(body as object);

    describe('PATCH /images/{id}', () => {
      it('applies a merge patch for the owner: absent fields stay, null clears, tags follow at once; updated_at and ETag move on', async () => {
        const id = await seed({ user_id: 'alice', title: 'Sunset', description: 'Long day', tags: 'sea,sun' });
        const before = await get(id);
        expect(before.headers.etag).to.match(/^"[0-9a-z]+"$/);
        const edited = await patch(id, { title: ' Sunrise ', tags: ['Sun', 'city'], description: null });
        expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
        expect(edited.body).to.deep.include({ image_id: id, title: 'Sunrise', description: null, tags: ['sun', 'city'] });
        expect(edited.body.updated_at > before.body.updated_at).to.equal(true);
        expect(edited.headers.etag).to.not.equal(before.headers.etag);
        const after = await get(id);
        expect(after.headers.etag).to.equal(edited.headers.etag);
        expect({ ...after.body, download_url: null }).to.deep.equal({ ...edited.body, download_url: null });
        expect(await ids('/tags/city/images')).to.deep.equal([id]);
        expect(await ids('/tags/sea/images')).to.deep.equal([]);
        expect(await ids('/images?user_id=alice&tags=sun')).to.deep.equal([id]);
        // The other media type of a merge patch, and a field left out entirely.
        const again = await request(app.url).patch(`/images/${id}`).set(alice).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ title: 'Noon' }));
        expect(again.status).to.equal(200);
        expect(again.body).to.deep.include({ title: 'Noon', tags: ['sun', 'city'] });
      });

      it('checks If-Match: the current ETag or * passes, a stale one is 412 and changes nothing', async () => {
        const id = await seed();
        const { etag } = (await get(id)).headers as { etag: string };
        const first = await patch(id, { title: 'One' }, { ...alice, 'If-Match': etag! });
        expect(first.status).to.equal(200);
        const stale = await patch(id, { title: 'Two' }, { ...alice, 'If-Match': etag! });
        expectError(stale, 412, 'precondition_failed');
        expect(stale.body.details.etag).to.equal(first.headers.etag);
        expect((await patch(id, { title: 'Weak' }, { ...alice, 'If-Match': `W/${first.headers.etag}` })).status, 'a weak tag never matches').to.equal(412);
        expect((await get(id)).body.title).to.equal('One');
        expect((await patch(id, { title: 'Three' }, { ...alice, 'If-Match': `"nope", ${first.headers.etag}` })).status).to.equal(200);
        expect((await patch(id, { title: 'Four' }, { ...alice, 'If-Match': '*' })).status).to.equal(200);
        // Not a version at all: most often the ETag without its quotes. Said so, rather than "it changed".
        for (const malformed of [first.headers.etag!.replaceAll('"', ''), `${first.headers.etag!}x`, '"open']) {
          expectError(await patch(id, { title: 'Five' }, { ...alice, 'If-Match': malformed }), 400, 'validation_error');
        }
        // A well-formed list that names no current version: an empty one, or a tag with a comma inside its quotes.
        for (const stale of ['', ' , ', '"a,b"', `"a,b", W/${first.headers.etag!}`]) {
          expectError(await patch(id, { title: 'Six' }, { ...alice, 'If-Match': stale }), 412, 'precondition_failed');
        }
        expect((await get(id)).body.title).to.equal('Four');
      });

      it('refuses others (403), unknown and deleted images (404) and bad fields (400), changing nothing', async () => {
        const id = await seed();
        const { etag } = (await get(id)).headers as { etag: string };
        expectError(await patch(id, { title: 'Mine now' }, bob), 403, 'forbidden');
        expectError(await patch('no-such-image', { title: 'x' }), 404, 'not_found');
        for (const body of [{ title: '   ' }, { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, { colour: 'red' }, { title: 42 }, { tags: ['bad/tag'] }, { description: 'x'.repeat(1001) }]) {
          expectError(await patch(id, body), 400, 'validation_error');
        }
        expectError(await request(app.url).patch(`/images/${id}`).set(alice).set('Content-Type', 'text/plain').send('title=x'), 400, 'validation_error');
        expect((await get(id)).headers.etag, 'nothing changed').to.equal(etag);
        expect((await request(app.url).delete(`/images/${id}`).set(alice)).status).to.equal(200);
        expectError(await patch(id, { title: 'Too late' }), 404, 'not_found');
      });
    });

    describe('trash and restore', () => {
      it('moves a deleted image to the trash for TRASH_DAYS, shows the trash to its owner only, and restores it with its tags', async () => {
        const [first, second] = [await seed(), await seed({ user_id: 'alice', tags: 'sea' })];
        const deleted = await request(app.url).delete(`/images/${first}`).set(alice);
        expect(deleted.status).to.equal(200);
        expect(Date.parse(deleted.body.purge_at) - Date.parse(deleted.body.deleted_at)).to.equal(7 * DAY_MS);
        app.clock.advance(1000);
        await request(app.url).delete(`/images/${second}`).set(alice).expect(200);
        expectError(await get(first!), 404, 'not_found');
        expectError(await request(app.url).delete(`/images/${first}`).set(alice), 410, 'gone');
        expect(await ids('/tags/sea/images')).to.deep.equal([]);

        const trash = await request(app.url).get('/users/alice/trash').set(alice).query({ limit: 1 });
        expect(trash.status).to.equal(200);
        expect(trash.body.images.map((image: { image_id: string }) => image.image_id)).to.deep.equal([second]);
        expect(trash.body.images[0]).to.have.property('deleted_at').and.to.have.property('length');
        // The files of a deleted image are not served, so its trash entry offers no URL to them.
        expect(trash.body.images[0]).to.include({ download_url: null, thumbnail_url: null, variants: null });
        // include_url is taken, as on every listing, and changes nothing.
        const asked = await request(app.url).get('/users/alice/trash').set(alice).query({ limit: 1, include_url: 'true' });
        expect(asked.body.images[0]).to.include({ image_id: second, download_url: null, thumbnail_url: null, variants: null });
        expect(trash.body.has_more).to.equal(true);
        const rest = await request(app.url).get('/users/alice/trash').set(alice).query({ limit: 1, page_token: trash.body.next_page_token });
        expect(rest.body.images.map((image: { image_id: string }) => image.image_id)).to.deep.equal([first]);
        expectError(await request(app.url).get('/users/alice/trash').set(bob), 403, 'forbidden');

        expectError(await request(app.url).post(`/images/${first}/restore`).set(bob), 403, 'forbidden');
        const restored = await request(app.url).post(`/images/${first}/restore`).set(alice);
        expect(restored.status, JSON.stringify(restored.body)).to.equal(200);
        expect(restored.body).to.deep.include({ image_id: first, tags: ['sea', 'sun'] });
        expect(restored.body).not.to.have.property('deleted_at');
        expect(restored.headers.etag).to.match(/^"/);
        expect(await ids('/tags/sun/images')).to.deep.equal([first]);
        expect(await ids('/users/alice/images')).to.deep.equal([first]);
        expect(await ids('/users/alice/trash', alice)).to.deep.equal([second]);
        expectError(await request(app.url).post(`/images/${first}/restore`).set(alice), 409, 'not_deleted');
        expectError(await request(app.url).post('/images/no-such-image/restore').set(alice), 404, 'not_found');
      });

      it('erases what stayed in the trash past its purge time, when the retention sweep runs', async () => {
        const id = await seed();
        const objectsBefore = await app.objectCount();
        await request(app.url).delete(`/images/${id}`).set(alice).expect(200);
        app.clock.advance(6 * DAY_MS);
        expect(await app.container.get(TOKENS.PurgeExpired).execute()).to.equal(0);
        expect(await ids('/users/alice/trash', alice)).to.deep.equal([id]);
        app.clock.advance(DAY_MS + 1000);
        // Past its time it has left the trash even before the sweep.
        expect(await ids('/users/alice/trash', alice)).to.deep.equal([]);
        expect(await app.container.get(TOKENS.PurgeExpired).execute()).to.equal(1);
        expect(await app.objectCount()).to.equal(objectsBefore - 1);
        expectError(await request(app.url).post(`/images/${id}/restore`).set(alice), 404, 'not_found');
      });
    });

    describe('erase', () => {
      it('erases a live or trashed image with purge=true: bytes gone, every route 404', async () => {
        const live = await seed();
        const trashed = await seed();
        const kept = await seed({ user_id: 'bob', tags: 'sea' });
        await request(app.url).delete(`/images/${trashed}`).set(alice).expect(200);
        expect(await app.objectCount()).to.equal(3);
        expectError(await request(app.url).delete(`/images/${live}`).query({ purge: 'true' }).set(bob), 403, 'forbidden');
        for (const id of [live, trashed]) {
          const erased = await request(app.url).delete(`/images/${id}`).query({ purge: 'true' }).set(alice);
          expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
          expect(erased.body).to.deep.equal({ message: 'Image erased', image_id: id });
          for (const answer of [await get(id!), await request(app.url).get(`/images/${id}/download`), await request(app.url).post(`/images/${id}/restore`).set(alice), await request(app.url).delete(`/images/${id}`).set(alice), await request(app.url).delete(`/images/${id}`).query({ purge: 'true' }).set(alice), await patch(id!, { title: 'x' })]) {
            expectError(answer, 404, 'not_found');
          }
        }
        expect(await ids('/users/alice/trash', alice)).to.deep.equal([]);
        expect(await app.objectCount(), "only bob's image is left in the store").to.equal(1);
        expect(await ids('/images')).to.deep.equal([kept]);
      });

      it("erases all of a user's images, trash included, and nobody else's: 200 when done", async () => {
        const mine = [await seed(), await seed(), await seed()];
        const theirs = await seed({ user_id: 'bob' });
        await request(app.url).delete(`/images/${mine[0]}`).set(alice).expect(200);
        expectError(await request(app.url).delete('/users/alice/images').set(alice), 400, 'validation_error');
        expectError(await request(app.url).delete('/users/alice/images').query({ purge: 'true' }).set(bob), 403, 'forbidden');
        const erased = await request(app.url).delete('/users/alice/images').query({ purge: 'true' }).set(alice);
        expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
        expect(erased.body).to.deep.include({ user_id: 'alice', status: 'done', erased: 3, status_url: '/users/alice/erasure' });
        expect(await ids('/users/alice/images')).to.deep.equal([]);
        expect(await ids('/users/alice/trash', alice)).to.deep.equal([]);
        expect(await ids('/images')).to.deep.equal([theirs]);
        expect(await app.objectCount()).to.equal(1);
        const status = await request(app.url).get('/users/alice/erasure').set(alice);
        expect(status.body).to.deep.include({ status: 'done', erased: 3 });
        expectError(await request(app.url).get('/users/alice/erasure').set(bob), 403, 'forbidden');
        expectError(await request(app.url).get('/users/bob/erasure').set(bob), 404, 'not_found');
      });
    });

    describe('checksum lookups', () => {
      it("finds a user's images with exactly those bytes, through either listing", async () => {
        const id = await seed();
        const { checksum } = (await get(id)).body as { checksum: string };
        await seed({ user_id: 'bob' });
        expect(await ids(`/users/alice/images?checksum=${checksum}`)).to.deep.equal([id]);
        expect(await ids(`/images?user_id=alice&checksum=${checksum}`)).to.deep.equal([id]);
        expect(await ids(`/users/carol/images?checksum=${checksum}`)).to.deep.equal([]);
        expectError(await request(app.url).get(`/images?checksum=${checksum}`), 400, 'validation_error');
        expectError(await request(app.url).get('/users/alice/images?checksum=md5:abc'), 400, 'validation_error');
        expectError(await request(app.url).get(`/users/alice/images?checksum=${checksum}&tags=sea`), 400, 'validation_error');
      });
    });
  });
}

/** The 202 path of erasing everything: cut short by a budget of nothing, then finished in the background. */
export function erasureInBackgroundCases(entry: EntryPoint, options: () => StartOptions = () => ({})): void {
  it('answers 202 with a status URL when the work goes on, and the background finishes it', async () => {
    const app = await startApp(entry, { ...options(), overrides: { ...options().overrides, eraseBudgetMs: 0 } });
    try {
      for (let i = 0; i < 3; i += 1) expect((await upload(app.url, { fields: { user_id: 'alice' } })).status).to.equal(201);
      const started = await request(app.url).delete('/users/alice/images').query({ purge: 'true' }).set(alice);
      expect(started.status, JSON.stringify(started.body)).to.equal(202);
      expect(started.headers.location).to.equal('/users/alice/erasure');
      expect(started.body).to.deep.include({ status: 'running', finished_at: null });
      expect((await request(app.url).get('/users/alice/erasure').set(alice)).body.status).to.equal('running');
      expect(await app.container.get(TOKENS.EraseUserImages).continueOpen({ exhausted: () => false })).to.equal(1);
      const done = await request(app.url).get('/users/alice/erasure').set(alice);
      expect(done.body).to.deep.include({ status: 'done', erased: 3 });
      expect(await app.objectCount()).to.equal(0);
    } finally {
      await app.close();
    }
  });
}
