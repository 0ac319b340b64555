import { expect } from 'chai';
import request from 'supertest';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { startApp } from '../support/app.ts';
import { MIME, makeImage, storedImage, pngClaimingDimensions, svgImage, textFile, truncated } from '../support/images.ts';
import type { TestFormat } from '../support/images.ts';
import { upload } from '../support/upload.ts';
import { expectError, expectNothingStored } from './expect.ts';

const MiB = 1024 * 1024;

export function uploadCases(entry: EntryPoint): void {
  describe('POST /images', function () {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry)));
    afterEach(() => app.close());

    for (const format of ['jpeg', 'png', 'gif', 'webp'] as TestFormat[]) {
      it(`stores a ${format} and answers 201 with the image, a Location and a working download URL`, async () => {
        const file = makeImage({ width: 320, height: 240, format, size: 5000 });
        const kept = storedImage({ width: 320, height: 240, format });
        const response = await upload(app.url, {
          file,
          format,
          fileName: 'holiday.bin',
          contentType: 'application/octet-stream',
          fields: { user_id: 'alice', title: ' Sunset ', description: 'Over the hills', tags: 'Nature, sunset,mountains,NATURE' },
        });
        expect(response.status, JSON.stringify(response.body)).to.equal(201);
        const { image_id: id, image } = response.body;
        expect(response.body.message).to.equal('Image uploaded successfully');
        expect(response.headers.location).to.equal(`/images/${id}`);
        expect(image).to.deep.include({
          image_id: id,
          user_id: 'alice',
          title: 'Sunset',
          description: 'Over the hills',
          tags: ['nature', 'sunset', 'mountains'],
          // The name carries the detected format's extension, whatever it was called.
          file_name: `holiday.${format === 'jpeg' ? 'jpg' : format}`,
          file_size: kept.length,
          content_type: MIME[format],
          width: 320,
          height: 240,
          format,
          thumbnail_url: null,
        });
        expect(image.created_at).to.equal(app.clock.now().toISOString());
        expect(image.updated_at).to.equal(image.created_at);

        const download = await request(image.download_url).get('');
        expect(download.status).to.equal(200);
        expect(download.headers['content-type']).to.equal(MIME[format]);
        expect(Buffer.compare(download.body as Buffer, kept)).to.equal(0);

        const fetched = await request(app.url).get(`/images/${id}`);
        expect(fetched.status).to.equal(200);
        expect({ ...fetched.body, download_url: null }).to.deep.equal({ ...image, download_url: null });
      });
    }

    // The largest file whose form still fits the entry point's body limit (10 MiB when there is none).
    const largestFile = Math.min(10 * MiB, entry.maxBodyBytes - 4096);

    it(`accepts the limits: 1 KiB, the largest file this entry point carries (${largestFile} bytes), 50x50 and 4000x4000`, async () => {
      for (const [file, format] of [
        [makeImage({ width: 50, height: 50, format: 'png', size: 1024 }), 'png'],
        [makeImage({ width: 4000, height: 4000, format: 'jpeg', size: largestFile }), 'jpeg'],
      ] as const) {
        const response = await upload(app.url, { file, format });
        expect(response.status, JSON.stringify(response.body)).to.equal(201);
        // The padding is a comment, which the privacy scrub removes; the limits apply to what was sent.
        expect(response.body.image.file_size).to.be.within(1, file.length);
      }
    });

    if (Number.isFinite(entry.maxBodyBytes)) {
      it('refuses a body over what the serverless path carries with a 413 naming the direct upload endpoint', async () => {
        const file = makeImage({ width: 1000, height: 1000, format: 'jpeg', size: entry.maxBodyBytes + 1 });
        const response = await upload(app.url, { file, format: 'jpeg' });
        expectError(response, 413, 'payload_too_large');
        expect(response.body.message).to.include('POST /uploads');
        expect(response.body.details).to.deep.include({ direct_upload: '/uploads' });
        await expectNothingStored(app);
      });

      it('gets a 413 for a 10 MiB upload, which the platform itself cannot carry', async () => {
        const response = await upload(app.url, { file: makeImage({ width: 1000, height: 1000, format: 'jpeg', size: 10 * MiB }), format: 'jpeg' });
        expect(response.status).to.equal(413);
        await expectNothingStored(app);
      });
    }

    it('takes a minimal form: just the file and user_id', async () => {
      const response = await upload(app.url, { fields: { user_id: 'bob' } });
      expect(response.status).to.equal(201);
      expect(response.body.image).to.deep.include({ title: null, description: null, tags: [] });
    });

    if (!Number.isFinite(entry.maxBodyBytes)) {
      it('refuses a file one byte over 10 MiB with 413 and stores nothing', async () => {
        expectError(await upload(app.url, { file: makeImage({ width: 100, height: 100, format: 'png', size: 10 * MiB + 1 }) }), 413, 'payload_too_large');
        await expectNothingStored(app);
      });
    }

    const rejected: { name: string; status: number; code: string; options: () => Parameters<typeof upload>[1] }[] = [
      { name: 'a file one byte under 1 KiB', status: 400, code: 'validation_error', options: () => ({ file: makeImage({ width: 60, height: 60, format: 'jpeg', size: 1023 }), format: 'jpeg' }) },
      { name: 'an image 49 pixels wide', status: 400, code: 'validation_error', options: () => ({ file: makeImage({ width: 49, height: 50, format: 'gif', size: 2048 }), format: 'gif' }) },
      { name: 'an image 4001 pixels high', status: 400, code: 'validation_error', options: () => ({ file: makeImage({ width: 4000, height: 4001, format: 'webp', size: 2048 }), format: 'webp' }) },
      { name: 'a tiny PNG declaring 50000x50000', status: 400, code: 'validation_error', options: () => ({ file: pngClaimingDimensions(50_000, 50_000) }) },
      { name: 'a text file named .jpg', status: 415, code: 'unsupported_media_type', options: () => ({ file: textFile(4096), fileName: 'cat.jpg', contentType: 'image/jpeg' }) },
      { name: 'an SVG named .png', status: 415, code: 'unsupported_media_type', options: () => ({ file: svgImage(4096), fileName: 'logo.png', contentType: 'image/png' }) },
      { name: 'a PNG cut short inside its header', status: 400, code: 'validation_error', options: () => ({ file: Buffer.concat([truncated(makeImage({ width: 100, height: 100, format: 'png' }), 20), Buffer.alloc(2000)]) }) },
      { name: 'a missing user_id', status: 400, code: 'validation_error', options: () => ({ fields: { title: 'x' } }) },
      { name: 'a user_id with a slash', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'a/b' } }) },
      { name: 'a 201-character title', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'alice', title: 't'.repeat(201) } }) },
      { name: 'a blank title', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'alice', title: '  ' } }) },
      { name: 'a 1001-character description', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'alice', description: 'd'.repeat(1001) } }) },
      { name: 'eleven tags', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'alice', tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') } }) },
      { name: 'a 51-character tag', status: 400, code: 'validation_error', options: () => ({ fields: { user_id: 'alice', tags: 'x'.repeat(51) } }) },
    ];
    for (const { name, status, code, options } of rejected) {
      it(`refuses ${name} with ${status} and stores nothing`, async () => {
        expectError(await upload(app.url, options()), status, code);
        await expectNothingStored(app);
      });
    }

    describe('malformed requests', () => {
      const image = () => makeImage({ width: 100, height: 100, format: 'png', size: 2048 });

      it('refuses a form without a file', async () => {
        const response = await request(app.url).post('/images').field('user_id', 'alice').field('title', 'no file');
        expectError(response, 400, 'validation_error');
        expect(response.body.details).to.deep.equal({ field: 'file' });
        await expectNothingStored(app);
      });

      it('refuses two files', async () => {
        const response = await request(app.url).post('/images').field('user_id', 'alice')
          .attach('file', image(), 'a.png').attach('file', image(), 'b.png');
        expectError(response, 400, 'validation_error');
        await expectNothingStored(app);
      });

      it('refuses a file under another field name', async () => {
        const response = await request(app.url).post('/images').field('user_id', 'alice').attach('image', image(), 'a.png');
        expectError(response, 400, 'validation_error');
        expect(response.body.message).to.include("'file'");
        await expectNothingStored(app);
      });

      it('refuses a body that is not multipart/form-data', async () => {
        const response = await request(app.url).post('/images').send({ user_id: 'alice' });
        expectError(response, 400, 'validation_error');
        await expectNothingStored(app);
      });

      it('refuses a multipart body that ends mid-part', async () => {
        const boundary = 'XyZ';
        const body = `--${boundary}\r\nContent-Disposition: form-data; name="user_id"\r\n\r\nalice\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`;
        const response = await request(app.url).post('/images').set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
        expectError(response, 400, 'validation_error');
        await expectNothingStored(app);
      });

      it('refuses a field longer than its limit and too many fields', async () => {
        expectError(await upload(app.url, { fields: { user_id: 'alice', description: 'd'.repeat(9000) } }), 400, 'validation_error');
        let test = request(app.url).post('/images');
        for (let i = 0; i < 12; i += 1) test = test.field(`f${i}`, 'v');
        expectError(await test.attach('file', image(), 'a.png'), 400, 'validation_error');
        await expectNothingStored(app);
      });

      it('refuses a field given twice', async () => {
        const response = await request(app.url).post('/images').field('user_id', 'alice').field('user_id', 'bob').attach('file', image(), 'a.png');
        expectError(response, 400, 'validation_error');
        await expectNothingStored(app);
      });

      it('refuses a declared body over the limit before reading it', async function () {
        // API Gateway reads whole bodies itself; only a streaming server can refuse one early.
        if (!entry.streamsBodies) this.skip();
        const response = await request(app.url).post('/images')
          .set('content-type', 'multipart/form-data; boundary=x').set('content-length', String(11 * MiB)).send('--x--');
        expect(response.status).to.equal(413);
      }).timeout(5000);
    });
  });
}
