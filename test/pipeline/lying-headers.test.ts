// The lying headers, now that the service decodes images: refused with a 4xx and nothing
// stored, by both ways of uploading. (test/hostile covers POST /images through Express on both
// stores and the Lambda handler on memory; this adds the Lambda handler on the local store and
// direct-upload completion everywhere.)
import { expect } from 'chai';
import request from 'supertest';
import { expectError, expectNothingStored } from '../http/expect.ts';
import { startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { sendToStorage, startDirectUpload } from '../support/direct-upload.ts';
import { makeImage } from '../support/images.ts';
import { gifWithFrameAt, gifWithSmallScreen, jpegWithSecondSof, pngWithSecondIhdr, webpWithCanvas } from '../support/lying-images.ts';
import { PIPELINE_SETUPS } from '../support/pipeline.ts';

const LIARS: ReadonlyArray<[name: string, file: () => Buffer, fileName: string]> = [
  ['a GIF whose 100x100 logical screen hides a 4500x4500 first frame', () => gifWithSmallScreen(4500, 4500, 100, 100), 'screen.gif'],
  ['a GIF frame placed at offset 65000,65000', () => gifWithFrameAt(makeImage({ width: 100, height: 100, format: 'gif', size: 2048 }), 0, 65_000, 65_000), 'offset.gif'],
  ['a JPEG with a second SOF of 30000x30000', () => jpegWithSecondSof(makeImage({ width: 100, height: 100, format: 'jpeg', size: 2048 }), 'before the first scan', 30_000, 30_000), 'sof.jpg'],
  ['a PNG with a second IHDR of 50000x50000', () => pngWithSecondIhdr(makeImage({ width: 100, height: 100, format: 'png', size: 2048 }), 'after IHDR', 50_000, 50_000), 'ihdr.png'],
  ['a WebP whose 4000x4000 canvas disagrees with its 100x100 frame', () => webpWithCanvas(makeImage({ width: 100, height: 100, format: 'webp', size: 2048 }), 4000, 4000), 'canvas.webp'],
];

for (const setup of PIPELINE_SETUPS) {
  describe(`pipeline: lying headers through ${setup.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(setup.entry, { processing: true, backend: setup.backend })));
    afterEach(() => app.close());

    for (const [name, file, fileName] of LIARS) {
      it(`refuses ${name}, posted or sent directly, storing nothing and queueing nothing`, async () => {
        const posted = await request(app.url).post('/images').field('user_id', 'alice').attach('file', file(), { filename: fileName, contentType: 'image/png' });
        expectError(posted, 400, 'validation_error');
        expect(posted.body.message).to.include('contradicts itself');

        const started = await startDirectUpload(app.url, { user_id: 'alice', file_name: fileName });
        expect((await sendToStorage(started, file(), 'image/png')).status).to.be.oneOf([200, 201, 204]);
        const completed = await request(app.url).post(`/uploads/${started.uploadId}/complete`).set('X-User-Id', 'alice');
        expectError(completed, 400, 'validation_error');
        expect(completed.body.message).to.include('contradicts itself');

        await expectNothingStored(app);
        expect(app.queued, 'nothing for the processor').to.deep.equal([]);
        expectError(await request(app.url).get(`/images/${started.uploadId}`), 404, 'not_found');
      });
    }
  });
}
