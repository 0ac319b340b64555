import { expect } from 'chai';
import request from 'supertest';
import { TOKENS } from '../../apps/tokens.ts';
import type { EntryPoint, StartOptions, TestApp } from '../support/app.ts';
import { startApp } from '../support/app.ts';
import { sendToStorage } from '../support/direct-upload.ts';
import { backendDown } from '../support/fakes.ts';
import { makeImage } from '../support/images.ts';
import { upload } from '../support/upload.ts';
import { expectError } from '../http/expect.ts';

const alice = { 'X-User-Id': 'alice' };
const photo = (width: number) => makeImage({ width, height: 150, format: 'png', size: 4096 });

/** Retries with an Idempotency-Key on every write that takes one (shared/design/api.md, "Retries"). */
export function idempotencyCases(entry: EntryPoint, options: () => StartOptions = () => ({})): void {
  describe('Idempotency-Key', function () {
    this.timeout(60_000);
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry, options())));
    afterEach(() => app.close());

    const send = (key: string, file = photo(200), user = 'alice') => upload(app.url, { file, fields: { user_id: user, title: 'Retry me' } }).set('Idempotency-Key', key);
    const count = async (path = '/images') => (await request(app.url).get(path)).body.images.length as number;

    it('replays the first answer of an upload retried with its key, creating nothing new', async () => {
      const first = await send('upload-1');
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.headers['idempotent-replayed']).to.equal(undefined);
      const retry = await send('upload-1');
      expect(retry.status).to.equal(201);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(retry.headers.location).to.equal(first.headers.location);
      expect(retry.body).to.deep.equal(first.body);
      expect(await count()).to.equal(1);
      expect(await app.objectCount()).to.equal(1);
    });

    it('refuses the key for a different request (422), and keeps keys apart per caller', async () => {
      await send('shared-key').expect(201);
      expectError(await send('shared-key', photo(201)), 422, 'idempotency_key_reused');
      const changedField = await upload(app.url, { file: photo(200), fields: { user_id: 'alice', title: 'Another title' } }).set('Idempotency-Key', 'shared-key');
      expectError(changedField, 422, 'idempotency_key_reused');
      // Bob's request with the same key is his own first request.
      const bobs = await send('shared-key', photo(200), 'bob');
      expect(bobs.status).to.equal(201);
      expect(bobs.headers['idempotent-replayed']).to.equal(undefined);
      expect(await count()).to.equal(2);
    });

    it('answers 409 with Retry-After while the first request with the key still runs, and lets a crashed claim lapse', async () => {
      // The first request is held inside the catalog write, as a slow store would hold it.
      const catalog = app.container.get(TOKENS.ImageCatalog);
      const create = catalog.create.bind(catalog);
      let release: () => void = () => {};
      let entered: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const inside = new Promise<void>((resolve) => (entered = resolve));
      catalog.create = async (image) => {
        entered();
        await gate;
        return create(image);
      };
      const first = send('busy').then((response) => response);
      // Retried only once the first holds the key: a retry sent sooner could claim it first.
      await inside;
      const busy = await send('busy');
      expectError(busy, 409, 'idempotency_key_in_use');
      expect(Number(busy.headers['retry-after'])).to.be.within(1, 60);
      release();
      expect((await first).status).to.equal(201);
      expect((await send('busy')).headers['idempotent-replayed']).to.equal('true');

      // A claim whose request died (a crash) never answers; once its lock lapses, a retry runs.
      const now = app.clock.now().getTime();
      const store = app.container.get(TOKENS.IdempotencyStore);
      await store.claim('alice', 'crashed', { fingerprint: 'lost', lockedUntil: new Date(now + 60_000).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString() }, new Date(now).toISOString());
      app.clock.advance(61_000);
      const after = await upload(app.url, { file: photo(202), fields: { user_id: 'alice', title: 'Retry me' } }).set('Idempotency-Key', 'crashed');
      expect(after.status, JSON.stringify(after.body)).to.equal(201);
    });

    it('lets exactly one of concurrent retries with one key run; the rest replay it or wait', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => send('racing')));
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([201, 409]);
      expect(answers.filter((answer) => answer.status === 201 && answer.headers['idempotent-replayed'] === undefined)).to.have.length(1);
      expect(await count()).to.equal(1);
      expect(await app.objectCount()).to.equal(1);
    });

    it('refuses malformed keys with 400 before doing anything', async () => {
      for (const key of ['', 'x'.repeat(256), 'with space', 'naïve']) {
        const answer = await upload(app.url, { file: photo(200) }).set('Idempotency-Key', Buffer.from(key, 'utf8').toString('latin1'));
        expectError(answer, 400, 'validation_error');
        expect(answer.body.details.field).to.equal('Idempotency-Key');
      }
      expect(await count()).to.equal(0);
    });

    it('replays edits, deletes, erasures and direct uploads retried with their keys', async () => {
      const id = (await send('seed')).body.image_id as string;
      const editing = () => request(app.url).patch(`/images/${id}`).set(alice).set('Idempotency-Key', 'edit-1').send({ title: 'Edited once' });
      const edited = await editing();
      expect((await editing()).headers['idempotent-replayed']).to.equal('true');
      expect((await request(app.url).get(`/images/${id}`)).headers.etag, 'the replay changed nothing').to.equal(edited.headers.etag);

      const deleting = () => request(app.url).delete(`/images/${id}`).set(alice).set('Idempotency-Key', 'delete-1');
      expect((await deleting()).status).to.equal(200);
      const again = await deleting();
      expect(again.status, 'a replay, not the 410 of a second delete').to.equal(200);
      expect(again.headers['idempotent-replayed']).to.equal('true');

      const erasing = () => request(app.url).delete(`/images/${id}`).query({ purge: 'true' }).set(alice).set('Idempotency-Key', 'erase-1');
      expect((await erasing()).status).to.equal(200);
      expect((await erasing()).status, 'a replay, not a 404').to.equal(200);
      const everything = () => request(app.url).delete('/users/alice/images').query({ purge: 'true' }).set(alice).set('Idempotency-Key', 'erase-all');
      expect((await everything()).status).to.equal(200);
      expect((await everything()).headers['idempotent-replayed']).to.equal('true');

      const starting = () => request(app.url).post('/uploads').set('Idempotency-Key', 'direct-1').send({ user_id: 'alice', title: 'Direct' });
      const started = await starting();
      expect(started.status).to.equal(201);
      const restarted = await starting();
      expect(restarted.body.upload_id, 'one reservation').to.equal(started.body.upload_id);
      await sendToStorage({ uploadId: started.body.upload_id, url: started.body.upload.url, fields: started.body.upload.fields }, photo(300), 'image/png');
      const completing = () => request(app.url).post(`/uploads/${started.body.upload_id}/complete`).set(alice).set('Idempotency-Key', 'direct-1-complete');
      const completed = await completing();
      expect(completed.status, JSON.stringify(completed.body)).to.equal(201);
      const recompleted = await completing();
      expect(recompleted.status, 'the first answer, 201, not the 200 of a second completion').to.equal(201);
      expect(recompleted.headers['idempotent-replayed']).to.equal('true');
    });

    it('does not keep an answer worth retrying (a store down): the retry runs again', async () => {
      const catalog = app.container.get(TOKENS.ImageCatalog);
      const create = catalog.create.bind(catalog);
      let down = true;
      catalog.create = async (image) => {
        if (down) throw backendDown();
        return create(image);
      };
      expect((await send('flaky')).status).to.equal(503);
      down = false;
      const retry = await send('flaky');
      expect(retry.status).to.equal(201);
      expect(retry.headers['idempotent-replayed']).to.equal(undefined);
    });
  });
}
