import { expect } from 'chai';
import request from 'supertest';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { startApp } from '../support/app.ts';
import { storedImage } from '../support/images.ts';
import { upload } from '../support/upload.ts';
import type { UploadFields } from '../support/upload.ts';
import { expectError } from './expect.ts';

export function readCases(entry: EntryPoint): void {
  describe('listing, reading, downloading and deleting', function () {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry)));
    afterEach(() => app.close());

    /** Uploads one image per entry, one second apart, and returns their ids oldest first. */
    const seed = async (entries: UploadFields[]): Promise<string[]> => {
      const ids: string[] = [];
      for (const fields of entries) {
        const response = await upload(app.url, { fields });
        expect(response.status, JSON.stringify(response.body)).to.equal(201);
        ids.push(response.body.image_id as string);
        app.clock.advance(1000);
      }
      return ids;
    };

    /** Follows next_page_token to the end, checking the page invariants on the way. */
    const listAll = async (path: string, query: Record<string, string | number> = {}): Promise<string[]> => {
      const ids: string[] = [];
      let token: string | null = null;
      do {
        const response = await request(app.url).get(path).query(token === null ? query : { ...query, page_token: token });
        expect(response.status, JSON.stringify(response.body)).to.equal(200);
        const { images, total_count, next_page_token, has_more } = response.body;
        expect(total_count).to.equal(images.length);
        expect(has_more).to.equal(next_page_token !== null);
        if (has_more && query.limit !== undefined) expect(images).to.have.length(Number(query.limit));
        ids.push(...images.map((image: { image_id: string }) => image.image_id));
        token = next_page_token;
      } while (token !== null);
      return ids;
    };

    it('lists newest first in full pages whose tokens visit every image once', async () => {
      const ids = await seed(Array.from({ length: 7 }, () => ({ user_id: 'alice' })));
      expect(await listAll('/images', { limit: 3 })).to.deep.equal([...ids].reverse());
      const first = await request(app.url).get('/images');
      expect(first.body).to.deep.include({ total_count: 7, next_page_token: null, has_more: false });
      expect(first.body.images[0].download_url).to.be.a('string');
    });

    it('filters by user, by tags (ANY) and by date, alone and combined', async () => {
      const start = app.clock.now().toISOString();
      const [a1, b1, a2, a3] = await seed([
        { user_id: 'alice', tags: 'sea' },
        { user_id: 'bob', tags: 'sea,sun' },
        { user_id: 'alice', tags: 'city' },
        { user_id: 'alice', tags: 'Sun' },
      ]);
      const at = (seconds: number) => new Date(Date.parse(start) + seconds * 1000).toISOString();
      expect(await listAll('/images', { user_id: 'alice', limit: 1 })).to.deep.equal([a3, a2, a1]);
      expect(await listAll('/users/alice/images', { limit: 2 })).to.deep.equal([a3, a2, a1]);
      expect(await listAll('/images', { tags: 'sea,SUN', limit: 1 })).to.deep.equal([a3, b1, a1]);
      expect(await listAll('/tags/sea/images')).to.deep.equal([b1, a1]);
      expect(await listAll('/tags/SUN/images', { user_id: 'alice' })).to.deep.equal([a3]);
      expect(await listAll('/images', { start_date: at(1), end_date: at(3) })).to.deep.equal([a2, b1]);
      expect(await listAll('/users/alice/images', { tags: 'sea,city', start_date: at(0), end_date: at(2) })).to.deep.equal([a1]);
    });

    it('leaves download URLs out of a list with include_url=false, and puts them in by default', async () => {
      await seed([{ user_id: 'alice' }, { user_id: 'bob' }]);
      const bare = await request(app.url).get('/images').query({ include_url: 'false' });
      expect(bare.body.images.map((i: { download_url: string | null }) => i.download_url)).to.deep.equal([null, null]);
      const signed = await request(app.url).get('/users/alice/images');
      expect(signed.body.images[0].download_url).to.be.a('string');
    });

    it('lists the whole of a bare end_date\'s day: start_date=D&end_date=D is that day', async () => {
      const [id] = await seed([{ user_id: 'alice' }]);
      const day = (await request(app.url).get(`/images/${id}`)).body.created_at.slice(0, 10) as string;
      expect(await listAll('/images', { start_date: day, end_date: day })).to.deep.equal([id]);
    });

    it('finds a tag typed decomposed (as macOS sends it) or composed alike, and keeps İstanbul', async () => {
      const [id] = await seed([{ user_id: 'alice', tags: 'cafe\u0301,İstanbul' }]);
      expect((await request(app.url).get(`/images/${id}`)).body.tags).to.deep.equal(['café', 'i\u0307stanbul']);
      expect(await listAll(`/tags/${encodeURIComponent('caf\u00E9')}/images`)).to.deep.equal([id]);
      expect(await listAll(`/tags/${encodeURIComponent('cafe\u0301')}/images`)).to.deep.equal([id]);
      expect(await listAll('/images', { tags: 'İSTANBUL' })).to.deep.equal([id]);
    });

    it('refuses bad list parameters with 400', async () => {
      for (const query of [{ limit: 0 }, { limit: 101 }, { limit: 'ten' }, { start_date: 'yesterday' }, { end_date: '2026-02-30' }, { start_date: '2026-02-02', end_date: '2026-02-01' }, { user_id: 'a b' }, { tags: 'ok,<bad>' }]) {
        expectError(await request(app.url).get('/images').query(query), 400, 'validation_error');
      }
      expectError(await request(app.url).get('/images?limit=5&limit=6'), 400, 'validation_error');
    });

    it('refuses forged, tampered and foreign page tokens with 400 invalid_page_token', async () => {
      await seed([{ user_id: 'alice' }, { user_id: 'alice' }, { user_id: 'alice' }]);
      const token = (await request(app.url).get('/images').query({ limit: 1 })).body.next_page_token as string;
      const cases = [
        { limit: 1, page_token: 'not-a-token' },
        { limit: 1, page_token: `${token.slice(0, -3)}abc` },
        { limit: 1, page_token: token.slice(0, 10) },
        { limit: 2, page_token: token },
        { limit: 1, user_id: 'alice', page_token: token },
      ];
      for (const query of cases) {
        const response = await request(app.url).get('/images').query(query);
        expectError(response, 400, 'invalid_page_token');
        expect(response.body.images).to.equal(undefined);
      }
    });

    it('gets one image, with or without its download URL', async () => {
      const [id] = await seed([{ user_id: 'alice', title: 'One' }]);
      const withUrl = await request(app.url).get(`/images/${id}`);
      expect(withUrl.status).to.equal(200);
      expect(withUrl.body).to.deep.include({ image_id: id, title: 'One' });
      expect(withUrl.body.download_url).to.match(/^http:\/\/127\.0\.0\.1:\d+\//);
      const without = await request(app.url).get(`/images/${id}`).query({ include_url: 'false' });
      expect(without.body.download_url).to.equal(null);
      expectError(await request(app.url).get(`/images/${id}`).query({ include_url: 'maybe' }), 400, 'validation_error');
      expectError(await request(app.url).get('/images/does-not-exist'), 404, 'not_found');
    });

    it('gives a download URL for the requested time that stops working after it', async () => {
      const [id] = await seed([{ user_id: 'alice' }]);
      const response = await request(app.url).get(`/images/${id}/download`).query({ expires_in: 60 });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.include({ image_id: id, expires_in: 60, content_type: 'image/png', file_size: storedImage({ width: 200, height: 150, format: 'png' }).length });
      expect((await request(response.body.download_url).get('')).status).to.equal(200);
      app.clock.advance(61_000);
      expect((await request(response.body.download_url).get('')).status).to.equal(403);
      expect((await request(app.url).get(`/images/${id}/download`)).body.expires_in).to.equal(3600);
    });

    it('refuses download expiries outside 60..86400 and unknown images', async () => {
      const [id] = await seed([{ user_id: 'alice' }]);
      for (const expires of ['59', '86401', 'soon']) {
        expectError(await request(app.url).get(`/images/${id}/download`).query({ expires_in: expires }), 400, 'validation_error');
      }
      expectError(await request(app.url).get('/images/unknown/download'), 404, 'not_found');
    });

    it('stops serving a deleted image at once, through URLs handed out before the delete', async () => {
      const [id] = await seed([{ user_id: 'alice' }]);
      const { download_url: url } = (await request(app.url).get(`/images/${id}/download`).query({ expires_in: 3600 })).body as { download_url: string };
      expect((await request(url).get('')).status).to.equal(200);
      expect((await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice')).status).to.equal(200);
      expectError(await request(url).get(''), 404, 'not_found');
    });

    it('deletes for the owner only: 401 without caller, 403 for others, 200, then 410', async () => {
      const [id] = await seed([{ user_id: 'alice', tags: 'sea' }]);
      expectError(await request(app.url).delete(`/images/${id}`), 401, 'unauthorized');
      expectError(await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'mallory'), 403, 'forbidden');
      const deleted = await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice');
      expect(deleted.status).to.equal(200);
      expect(deleted.body).to.deep.include({ message: 'Image deleted successfully', image_id: id });
      expect(Date.parse(deleted.body.purge_at) - Date.parse(deleted.body.deleted_at), 'the default 30 days in the trash').to.equal(30 * 24 * 3600 * 1000);
      expectError(await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice'), 410, 'gone');
      expectError(await request(app.url).delete('/images/unknown').set('X-User-Id', 'alice'), 404, 'not_found');
    });

    it('hides a deleted image from get, download and every listing', async () => {
      const [kept, gone] = await seed([{ user_id: 'alice', tags: 'sea' }, { user_id: 'alice', tags: 'sea' }]);
      expect((await request(app.url).delete(`/images/${gone}`).set('X-User-Id', 'alice')).status).to.equal(200);
      expectError(await request(app.url).get(`/images/${gone}`), 404, 'not_found');
      expectError(await request(app.url).get(`/images/${gone}/download`), 404, 'not_found');
      for (const path of ['/images', '/users/alice/images', '/tags/sea/images']) expect(await listAll(path), path).to.deep.equal([kept]);
    });
  });
}
