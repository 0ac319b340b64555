// A file the structural probe accepts but no decoder can finish ends `failed` with a reason, and
// the worker goes on with the next image; the original stays downloadable in every state.
import { expect } from 'chai';
import request from 'supertest';
import sharp from 'sharp';
import { resolve } from '../../apps/container.ts';
import { createLogger } from '../../apps/logger.ts';
import { LocalWorker } from '../../apps/processor/local-worker.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { SharpImageProcessor } from '../../adapters/sharp/sharp-image-processor.ts';
import { DomainError } from '../../core/errors.ts';
import type { ImageProcessor } from '../../core/ports/image-processor.port.ts';
import { expressEntry, startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { plainPhoto, truncatedPhoto } from '../support/photos.ts';
import { PIPELINE_SETUPS, download, getImage, sha256, uploadFile } from '../support/pipeline.ts';
import type { PipelineView } from '../support/pipeline.ts';

/** A photo as PNG, garbled in the middle of its image data: every chunk is where it should be, its CRC and deflate stream are not. */
async function garbledPng(): Promise<Buffer> {
  const png = await sharp(await plainPhoto(300, 200, 8)).png().toBuffer();
  const data = png.indexOf('IDAT') + 4;
  for (let i = data + 200; i < data + 400; i++) png[i]! ^= 0x5a;
  return png;
}

/** The service's own worker (one at a time, three attempts), with what it logs. */
function startWorker(app: TestApp): { worker: LocalWorker; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const worker = new LocalWorker(logger, { concurrency: 1, attempts: 3, sweepMs: 60_000, retryMs: 5_000 });
  worker.start(resolve(app.container, TOKENS.ProcessImage), resolve(app.container, TOKENS.ImageCatalog));
  return { worker, logs };
}

/** Hands the worker `ids` and waits until it has nothing left to do. */
async function work(worker: LocalWorker, ids: string[]): Promise<void> {
  for (const id of ids) worker.enqueue(id);
  await worker.idle();
}

/** The original, through the image's own URL and through GET /images/{id}/download. */
async function expectOriginal(app: TestApp, image: PipelineView, bytes: Buffer): Promise<void> {
  expect((await download(image.download_url)).equals(bytes), `${image.status}: the image's download_url`).to.equal(true);
  const link = await request(app.url).get(`/images/${image.image_id}/download`);
  expect(link.status, JSON.stringify(link.body)).to.equal(200);
  expect((await download(link.body.download_url)).equals(bytes), `${image.status}: /download`).to.equal(true);
}

for (const setup of PIPELINE_SETUPS) {
  describe(`pipeline: files that cannot be decoded, through ${setup.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(setup.entry, { processing: true, backend: setup.backend })));
    afterEach(() => app.close());

    for (const [what, make, fileName] of [
      ['a JPEG cut in its scan data', truncatedPhoto, 'cut.jpg'],
      ['a PNG garbled in its image data', garbledPng, 'garbled.png'],
    ] as const) {
      it(`marks ${what} failed with a reason, goes on with the next image, and serves the original throughout`, async () => {
        const [broken, good] = [await make(), await plainPhoto(640, 480, 5)];
        const failing = await uploadFile(app.url, broken, fileName);
        const next = await uploadFile(app.url, good, 'next.jpg');
        expect(failing.status, 'the probe let it through').to.equal('processing');
        expect(failing.checksum).to.equal(sha256(broken));
        await expectOriginal(app, failing, broken);

        const { worker, logs } = startWorker(app);
        await work(worker, [failing.image_id, next.image_id]);
        await worker.stop();

        const failed = await getImage(app.url, failing.image_id);
        expect(failed).to.deep.include({ status: 'failed', variants: null, thumbnail_url: null, placeholder: null });
        expect(failed.status_reason).to.be.a('string').and.match(/^The image could not be decoded: [^\n]+$/);
        expect(failed.status_reason).not.to.match(/\/|node_modules|Error:/);
        await expectOriginal(app, failed, broken);
        const ready = await getImage(app.url, next.image_id);
        expect(ready.status, 'the next image was processed').to.equal('ready');
        await expectOriginal(app, ready, good);
        // The worker's start-up sweep may hand it the same ids again: those runs find them done.
        const results = (id: string) => logs.filter((line) => line.msg === 'image processed' && line.image_id === id).map((line) => line.result);
        expect(results(failing.image_id)[0]).to.equal('failed');
        expect(results(next.image_id)[0]).to.equal('ready');
        expect(logs.filter((line) => line.level !== 30), 'nothing but info lines').to.deep.equal([]);
        expect(await app.objectCount(), 'two originals, the second image\'s two variants').to.equal(4);
      });
    }
  });
}

describe('pipeline: an unexpected processing error', () => {
  let app: TestApp;
  let calls = 0;
  /** Fails the way a bug or a crash of the image library would: not a decoding verdict. */
  const broken: ImageProcessor = {
    render: async () => {
      calls++;
      throw new TypeError('something inside went wrong');
    },
  };
  beforeEach(async () => (app = await startApp(expressEntry, { processing: true, overrides: { processor: broken } })));
  afterEach(() => app.close());

  it('is retried, then marks the image failed rather than leaving it processing for good', async () => {
    const { image_id: id } = await uploadFile(app.url, await plainPhoto(320, 240), 'unlucky.jpg');

    const { worker } = startWorker(app);
    let status = 'processing';
    for (let round = 0; round < 5 && status === 'processing'; round++) {
      await work(worker, [id]);
      status = (await getImage(app.url, id)).status;
      if (calls < 3) expect(status, `after ${calls} failed runs`).to.equal('processing');
    }
    await worker.stop();
    expect(calls, 'runs').to.equal(3);
    expect(status).to.equal('failed');
    const image = await getImage(app.url, id);
    expect(image.status_reason).to.be.a('string').and.not.match(/something inside/);
    expect((await download(image.download_url)).length).to.equal(image.file_size);
  });
});

describe('pipeline: a store that is briefly unavailable', () => {
  let app: TestApp;
  let calls = 0;
  /** Out of space on the first run (a full disk answers so), working on the next. */
  const real = new SharpImageProcessor();
  const flaky: ImageProcessor = {
    render: async (...args) => {
      calls++;
      if (calls === 1) throw new DomainError('unavailable', 'service_unavailable', 'No disk space left.');
      return real.render(...args);
    },
  };
  beforeEach(async () => (app = await startApp(expressEntry, { processing: true, overrides: { processor: flaky } })));
  afterEach(() => app.close());

  it('is tried again soon after, not only at the next sweep, and does not count as a failure', async () => {
    const { image_id: id } = await uploadFile(app.url, await plainPhoto(320, 240), 'later.jpg');
    const logger = createLogger({ level: 'silent' });
    // A sweep too far away to matter: only the early retry can finish the image.
    const worker = new LocalWorker(logger, { concurrency: 1, attempts: 3, sweepMs: 3_600_000, retryMs: 50 });
    worker.start(resolve(app.container, TOKENS.ProcessImage), resolve(app.container, TOKENS.ImageCatalog));
    try {
      let image = await getImage(app.url, id);
      for (let waited = 0; image.status === 'processing' && waited < 10_000; waited += 50) {
        await new Promise((done) => setTimeout(done, 50));
        image = await getImage(app.url, id);
      }
      expect(image.status).to.equal('ready');
      // The first run at start-up's sweep was deferred; the early retry made it.
      expect(calls).to.equal(2);
    } finally {
      await worker.stop();
    }
  });
});
