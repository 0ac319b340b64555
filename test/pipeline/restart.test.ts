// The local worker after a crash: `npm start` is killed (kill -9) while images are processing, and
// after a restart on the same data folder its sweep finds them again; nothing stays processing.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { filesUnder } from '../support/app.ts';
import { described, plainPhoto } from '../support/photos.ts';
import { download, listImages, uploadFile } from '../support/pipeline.ts';
import type { PipelineView } from '../support/pipeline.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

const IMAGES = 8;

/** The listing once no image is processing any more; fails (it does not measure) if that never comes. */
async function whenSettled(url: string, deadlineMs = 60_000): Promise<PipelineView[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const images = await listImages(url, '/images?limit=100');
    if (images.every((image) => image.status !== 'processing')) return images;
    if (Date.now() > deadline) throw new Error(`still processing: ${images.filter((i) => i.status === 'processing').map((i) => i.image_id).join(', ')}`);
    await sleep(200);
  }
}

describe('pipeline: npm start killed while processing, then restarted', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: ServerProcess | undefined;
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-restart-'))));
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds every unfinished image again after kill -9 and brings each to ready', async () => {
    // Photos large enough that one worker thread is still busy with them when the process dies.
    const photos = await Promise.all(Array.from({ length: IMAGES }, (_, i) => plainPhoto(2400, 1800, i)));
    server = await startServerProcess({ DATA_DIR: dataDir, PROCESSING_CONCURRENCY: '1', LOG_LEVEL: 'warn' });
    const uploaded = await Promise.all(photos.map((photo, i) => uploadFile(server!.url, photo, `big-${i}.jpg`)));
    const atCrash = await listImages(server.url, '/images?limit=100');
    await server.crash();

    expect(atCrash.filter((image) => image.status === 'processing'), 'images still processing when the process was killed').not.to.deep.equal([]);

    server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const settled = await whenSettled(server.url);

    expect(settled.map((image) => image.image_id).toSorted()).to.deep.equal(uploaded.map((image) => image.image_id).toSorted());
    for (const image of settled) {
      expect(image.status, `${image.image_id}: ${image.status_reason}`).to.equal('ready');
      expect(await described(await download(image.variants!.display.url))).to.deep.include({ format: 'webp', width: 1080, height: 810 });
    }
    expect(await filesUnder(join(dataDir, 'blobs')), 'each original and its two variants, nothing else').to.have.length(3 * IMAGES);
    expect(await filesUnder(join(dataDir, 'tmp')), 'no half-written file left').to.deep.equal([]);
  });
});
