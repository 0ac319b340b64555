import { expect } from 'chai';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from '../../apps/container.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { expressEntry, expressLocalEntry, startApp } from '../support/app.ts';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { sendToStorage, startDirectUpload } from '../support/direct-upload.ts';
import { makeImage, storedImage, textFile } from '../support/images.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { expectError, expectNothingStored } from './expect.ts';

for (const entry of [expressEntry, expressLocalEntry, lambdaV2Entry] as EntryPoint[]) {
  describe(`direct uploads through ${entry.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry)));
    afterEach(() => app.close());

    const alice = { 'X-User-Id': 'alice' };
    const complete = (id: string, headers: Record<string, string> = alice) => request(app.url).post(`/uploads/${id}/complete`).set(headers);
    const photo = makeImage({ width: 640, height: 480, format: 'webp', size: 6000 });
    const kept = storedImage({ width: 640, height: 480, format: 'webp' });

    it('commits a file sent straight to storage, validated from its bytes, and answers a repeat with the same image', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice', title: ' Big one ', tags: 'Sea,sun', file_name: '../x/big.jpg' });
      expect(await request(app.url).get('/images').then((r) => r.body.images)).to.deep.equal([]);
      expect((await sendToStorage(started, photo, 'image/jpeg')).status).to.equal(204);

      const done = await complete(started.uploadId);
      expect(done.status, JSON.stringify(done.body)).to.equal(201);
      expect(done.headers.location).to.equal(`/images/${started.uploadId}`);
      expect(done.body.image).to.deep.include({ image_id: started.uploadId, user_id: 'alice', title: 'Big one', tags: ['sea', 'sun'], file_name: 'big.webp', format: 'webp', content_type: 'image/webp', width: 640, height: 480, file_size: kept.length });
      const download = await request(done.body.image.download_url).get('');
      expect(download.headers['content-type']).to.equal('image/webp');
      expect(Buffer.compare(download.body as Buffer, kept)).to.equal(0);
      expect((await request(app.url).get('/images')).body.images.map((i: { image_id: string }) => i.image_id)).to.deep.equal([started.uploadId]);

      const again = await complete(started.uploadId);
      expect(again.status).to.equal(200);
      expect(again.body.image_id).to.equal(started.uploadId);
      expect(await app.objectCount(), 'only the image object remains').to.equal(1);
    });

    it('answers every one of 80 racing completes of 8 uploads with 200 or 201 and the same image, making one each', async () => {
      const started = await Promise.all(Array.from({ length: 8 }, (_, i) => startDirectUpload(app.url, { user_id: 'alice', title: `race ${i}` })));
      for (const upload of started) expect((await sendToStorage(upload, photo, 'image/webp')).status).to.equal(204);
      // Spread over a few milliseconds, so that some arrive while the first to win is still moving the file.
      const answers = await Promise.all(
        started.flatMap((upload) =>
          Array.from({ length: 10 }, (_, i) =>
            sleep(i * 2).then(() => complete(upload.uploadId).then((r) => ({ upload: upload.uploadId, status: r.status, id: r.body.image_id as string }))),
          ),
        ),
      );
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer)).to.be.oneOf([200, 201]);
        expect(answer.id).to.equal(answer.upload);
      }
      for (const upload of started) expect(answers.filter((a) => a.upload === upload.uploadId && a.status === 201), upload.uploadId).to.have.length(1);
      expect((await request(app.url).get('/images?limit=100')).body.images).to.have.length(8);
      expect(await app.objectCount(), 'the eight images, and no pending file').to.equal(8);
    });

    it('rejects a non-image at completion with the direct upload answer, and removes it', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice' });
      expect((await sendToStorage(started, textFile(4096), 'image/jpeg')).status).to.equal(204);
      expectError(await complete(started.uploadId), 415, 'unsupported_media_type');
      await expectNothingStored(app);
      expectError(await complete(started.uploadId), 404, 'not_found');
    });

    it('rejects dimensions out of range at completion and removes the file', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice' });
      await sendToStorage(started, makeImage({ width: 49, height: 100, format: 'png', size: 2048 }), 'image/png');
      expectError(await complete(started.uploadId), 400, 'validation_error');
      await expectNothingStored(app);
    });

    it('lets only the uploader complete, and only before the upload expires', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice' });
      await sendToStorage(started, photo, 'image/webp');
      expectError(await complete(started.uploadId, {}), 401, 'unauthorized');
      expectError(await complete(started.uploadId, { 'X-User-Id': 'mallory' }), 403, 'forbidden');
      app.clock.advance(16 * 60 * 1000);
      expectError(await complete(started.uploadId), 410, 'gone');
      await expectNothingStored(app);
    });

    it('answers 400 when nothing was sent yet, and completes once the file arrives', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice' });
      expectError(await complete(started.uploadId), 400, 'validation_error');
      await sendToStorage(started, photo, 'image/webp');
      expect((await complete(started.uploadId)).status).to.equal(201);
    });

    it('refuses bad metadata and bodies when starting, reserving nothing', async () => {
      for (const body of [{ user_id: 'alice', title: '  ' }, { title: 'no owner' }, { user_id: 'alice', tags: [1, 2] }, { user_id: 'alice', title: 7 }]) {
        expectError(await request(app.url).post('/uploads').send(body), 400, 'validation_error');
      }
      expectError(await request(app.url).post('/uploads').set('content-type', 'application/json').send('{"user_id":'), 400, 'validation_error');
      expectError(await request(app.url).post('/uploads').set('content-type', 'application/json').send('[1]'), 400, 'validation_error');
      expectError(await request(app.url).post('/uploads').type('form').send({ user_id: 'alice' }), 400, 'validation_error');
      expectError(await request(app.url).post('/uploads').set('content-type', 'application/json').send(JSON.stringify({ user_id: 'alice', description: 'x'.repeat(20_000) })), 413, 'payload_too_large');
      expectError(await complete('no-such-upload'), 404, 'not_found');
    });

    it('sweeps uploads never completed: record and object', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice' });
      await sendToStorage(started, photo, 'image/webp');
      const sweep = resolve(app.container, TOKENS.SweepExpiredUploads);
      expect(await sweep.execute()).to.equal(0);
      app.clock.advance(16 * 60 * 1000);
      expect(await sweep.execute()).to.equal(1);
      expect(await resolve(app.container, TOKENS.PendingUploads).get(started.uploadId)).to.equal(undefined);
      await expectNothingStored(app);
    });
  });
}
