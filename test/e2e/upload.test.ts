// Uploading from the gallery in Chromium: the file picker and a drop anywhere, one progress bar per
// file, the direct-to-storage path over 4 MiB, the browser's own checks, the server's refusals in
// words, and cancel and retry with the file's Idempotency-Key.
import { expect } from 'chai';
import type { Request } from 'playwright-core';
import { makeImage, textFile } from '../support/images.ts';
import {
  expectedThumb,
  imageFile,
  listAll,
  listSettled,
  openGallery,
  pathOf,
  progressSamples,
  recordProgress,
  sentForms,
  signInAs,
  throttleUploads,
  tileIds,
  waitForTiles,
  inChromium,
  useGallery,
} from './browser.ts';

const MiB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(inChromium('gallery e2e: uploading'), function () {
  this.timeout(120_000);
  const running = useGallery();

  it('uploads three photos picked at once, each with its own progress bar reaching 100%, then shows them newest first', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await signInAs(page, 'alice');
    await page.getByLabel('Tags for new photos').fill('Trip, harbour');
    await recordProgress(page);
    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && pathOf(request.url()) === '/images') sent.push(request);
    });

    const files = [imageFile('harbour-at-dawn', 'jpeg', { width: 640, height: 480, size: 300_000 }), imageFile('red-boats', 'png', { width: 480, height: 640, size: 200_000 }), imageFile('lighthouse', 'webp', { width: 800, height: 600, size: 150_000 })];
    await page.locator('#file-input').setInputFiles(files);

    const rows = page.locator('.upload');
    await expect(await rows.count()).to.equal(3);
    for (const file of files) {
      const row = rows.filter({ hasText: file.name });
      await row.locator('.upload-state', { hasText: 'Done' }).waitFor();
      expect(await row.locator('progress').evaluate((bar) => (bar as unknown as { value: number }).value)).to.equal(100);
    }
    const samples = await progressSamples(page);
    for (const file of files) expect(samples[file.name], file.name).to.include(100);
    await page.getByText('3 of 3 done').waitFor();

    // Each file its own request, its own Idempotency-Key, the owner and the tags typed for them.
    expect(sent).to.have.length(3);
    const keys = sent.map((request) => request.headers()['idempotency-key']);
    for (const key of keys) expect(key).to.match(UUID);
    expect(new Set(keys).size).to.equal(3);
    const forms = await sentForms(page);
    expect(forms.map((form) => form.parts)).to.deep.equal([1, 2, 3].map(() => ['user_id', 'title', 'tags', 'file']));
    for (const form of forms) expect(form.text).to.include({ user_id: 'alice', tags: 'trip,harbour' });

    const stored = await listAll(running.server.url);
    expect(stored.map((image) => image.title).sort()).to.deep.equal(['harbour-at-dawn', 'lighthouse', 'red-boats']);
    for (const image of stored) {
      expect(image.user_id).to.equal('alice');
      expect(image.tags).to.deep.equal(['trip', 'harbour']);
    }

    // The grid holds them in the API's order (newest first), each tile loading its picture with its size set.
    await waitForTiles(page, running.server.url, stored.map((image) => image.image_id));
    expect(await tileIds(page)).to.deep.equal(stored.map((image) => image.image_id));
    for (const image of await listSettled(running.server.url, { user_id: 'alice' })) {
      const img = page.locator(`.tile[data-image-id="${image.image_id}"] img.tile-image`);
      expect(pathOf(await img.evaluate((element) => (element as unknown as { currentSrc: string }).currentSrc))).to.equal(expectedThumb(image));
      expect(await img.getAttribute('alt')).to.equal(image.title);
      expect(Number(await img.getAttribute('width'))).to.be.greaterThan(0);
      expect(Number(await img.getAttribute('height'))).to.be.greaterThan(0);
      expect(await img.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).to.be.greaterThan(0);
    }
  });

  it('takes photos dropped anywhere on the page', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await signInAs(page, 'dropper');
    const dropped = [imageFile('dropped-one', 'png'), imageFile('dropped-two', 'gif')];
    // What a drag from the desktop carries: a DataTransfer holding Files, built in the page.
    const dataTransfer = await page.evaluateHandle(
      (files) => {
        const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: unknown[], name: string, options: object) => unknown };
        const transfer = new page.DataTransfer();
        for (const file of files) transfer.items.add(new page.File([Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
        return transfer;
      },
      dropped.map((file) => ({ name: file.name, type: file.mimeType, data: file.buffer.toString('base64') })),
    );
    await page.dispatchEvent('main', 'dragenter', { dataTransfer });
    await page.locator('.drop-overlay').waitFor({ state: 'visible' });
    await page.dispatchEvent('main', 'dragover', { dataTransfer });
    await page.dispatchEvent('main', 'drop', { dataTransfer });
    await page.locator('.drop-overlay').waitFor({ state: 'hidden' });

    await page.getByText('2 of 2 done').waitFor();
    const mine = await listAll(running.server.url, { user_id: 'dropper' });
    expect(mine.map((image) => image.title).sort()).to.deep.equal(['dropped-one', 'dropped-two']);
    await waitForTiles(page, running.server.url, mine.map((image) => image.image_id));
  });

  it('sends a 9 MiB photo straight to storage (POST /uploads, the form, complete) with the same progress bar', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await signInAs(page, 'bigfoot');
    await recordProgress(page);
    // Slowed down so the bar is seen moving: loopback would send 9 MiB in one step.
    await throttleUploads(page, 8 * MiB);
    const requests: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') requests.push(request);
    });
    const started = page.waitForResponse((response) => pathOf(response.url()) === '/uploads' && response.request().method() === 'POST');

    const big = imageFile('big-panorama.jpg', 'jpeg', { width: 3000, height: 1000, size: 9 * MiB });
    await page.locator('#file-input').setInputFiles([big]);
    const start = (await (await started).json()) as { upload: { url: string; fields: Record<string, string> }; complete_url: string };
    const row = page.locator('.upload', { hasText: 'big-panorama.jpg' });
    await row.locator('.upload-state', { hasText: 'Done' }).waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-route')).to.equal('direct');

    // The three calls of the direct flow, and no POST /images.
    const posts = requests.map((request) => pathOf(request.url()));
    expect(posts).to.deep.equal(['/uploads', pathOf(start.upload.url), start.complete_url]);
    // Every field of the policy, then the Content-Type, then the file last.
    const [form] = await sentForms(page);
    expect(form?.url).to.equal(start.upload.url);
    expect(form?.parts).to.deep.equal([...Object.keys(start.upload.fields), 'Content-Type', 'file']);
    expect(form?.text['Content-Type']).to.equal('image/jpeg');
    expect(requests[2]!.headers()['x-user-id']).to.equal('bigfoot');
    const startKey = requests[0]!.headers()['idempotency-key'];
    const completeKey = requests[2]!.headers()['idempotency-key'];
    expect(startKey).to.be.a('string');
    expect(completeKey).to.be.a('string').and.not.equal(startKey);

    const samples = (await progressSamples(page))['big-panorama.jpg']!;
    expect(samples.at(-1)).to.equal(100);
    expect(samples.filter((value) => value > 0 && value < 100), `progress went ${samples.join(', ')}`).to.have.length.greaterThan(2);

    const [image] = await listAll(running.server.url, { user_id: 'bigfoot' });
    expect(image?.title).to.equal('big-panorama');
    await waitForTiles(page, running.server.url, [image!.image_id]);
  });

  it('refuses an 11 MiB photo and a text file named .jpg in the browser, each with a clear message', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await signInAs(page, 'alice');
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') requests.push(`${request.method()} ${pathOf(request.url())}`);
    });
    await page.locator('#file-input').setInputFiles([
      imageFile('huge.jpg', 'jpeg', { width: 2000, height: 1500, size: 11 * MiB }),
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: textFile(4096) },
    ]);

    const huge = page.locator('.upload', { hasText: 'huge.jpg' });
    const notes = page.locator('.upload', { hasText: 'notes.jpg' });
    await huge.getByRole('alert').filter({ hasText: 'This photo is 11.0 MB; the limit is 10 MB.' }).waitFor();
    await notes.getByRole('alert').filter({ hasText: 'This file is not a JPEG, PNG, GIF or WebP image.' }).waitFor();
    // Nothing to retry: the files themselves are the problem.
    expect(await page.getByRole('button', { name: /^Retry/ }).count()).to.equal(0);
    expect(requests, 'nothing is sent').to.deep.equal([]);
  });

  it("words the server's refusals for people: dimensions out of range (400 with details)", async () => {
    const gallery = await openGallery(running.browser, running.server.url);
    const { page } = gallery;
    gallery.allowErrors(/Failed to load resource: the server responded with a status of 400/);
    await signInAs(page, 'alice');
    // Valid, above 1 KiB, but 40 px a side: only the server, reading the header, refuses it.
    const tiny = { name: 'tiny.png', mimeType: 'image/png', buffer: makeImage({ width: 40, height: 40, format: 'png', size: 2048 }) };
    await page.locator('#file-input').setInputFiles([tiny]);
    await page
      .locator('.upload', { hasText: 'tiny.png' })
      .getByRole('alert')
      .filter({ hasText: 'This photo is 40 × 40 pixels; photos must be from 50 × 50 to 4000 × 4000 pixels.' })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Retry tiny.png' }).count()).to.equal(0);
  });

  it('cancels an upload in flight, and a retry sends it again with the same Idempotency-Key', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await signInAs(page, 'carol');
    const keys: string[] = [];
    // The first attempt is held, as a stalled network would; the retry goes through.
    let hold = true;
    await page.route('**/images', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (hold) return;
      await route.fallback();
    });

    await page.locator('#file-input').setInputFiles([imageFile('slow-one', 'png')]);
    const row = page.locator('.upload', { hasText: 'slow-one.png' });
    await row.getByRole('button', { name: 'Cancel slow-one.png' }).waitFor();
    while (keys.length === 0) await page.waitForTimeout(20);
    await row.getByRole('button', { name: 'Cancel slow-one.png' }).click();
    await row.locator('.upload-state', { hasText: 'Cancelled' }).waitFor();
    expect(await listAll(running.server.url, { user_id: 'carol' })).to.deep.equal([]);

    hold = false;
    await row.getByRole('button', { name: 'Retry slow-one.png' }).click();
    await row.locator('.upload-state', { hasText: 'Done' }).waitFor();
    expect(keys).to.have.length(2);
    expect(keys[0]).to.match(UUID);
    expect(keys[1]).to.equal(keys[0]);
    expect(await listAll(running.server.url, { user_id: 'carol' })).to.have.length(1);
  });

  it('keeps photos added before saying who you are, and sends them once you do', async () => {
    const { page } = await openGallery(running.browser, running.server.url);
    await page.locator('#file-input').setInputFiles([imageFile('early-bird', 'png')]);
    const row = page.locator('.upload', { hasText: 'early-bird.png' });
    await row.getByRole('alert').filter({ hasText: 'Say who you are first' }).waitFor();
    expect(await listAll(running.server.url, { user_id: 'dave' })).to.deep.equal([]);

    await signInAs(page, 'dave');
    await row.locator('.upload-state', { hasText: 'Done' }).waitFor();
    const [image] = await listAll(running.server.url, { user_id: 'dave' });
    expect(image?.title).to.equal('early-bird');
  });

  it('retries a direct upload whose completion answer was lost: it completes once, without sending the file again', async () => {
    const gallery = await openGallery(running.browser, running.server.url);
    const { page } = gallery;
    gallery.allowErrors(/net::ERR_CONNECTION_RESET|net::ERR_FAILED/);
    await signInAs(page, 'walt');
    let lose = true;
    const keys: string[] = [];
    await page.route(/\/uploads\/[^/]+\/complete$/, async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (!lose) return route.fallback();
      lose = false;
      const response = await route.fetch();
      expect(response.status()).to.equal(201);
      await route.abort('connectionreset');
    });

    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(pathOf(request.url()));
    });
    await page.locator('#file-input').setInputFiles([imageFile('big-once.jpg', 'jpeg', { width: 2400, height: 1600, size: 5 * MiB })]);
    const row = page.locator('.upload', { hasText: 'big-once.jpg' });
    await row.getByRole('alert').filter({ hasText: 'The connection was lost' }).waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Retry big-once.jpg' }).click();
    await row.locator('.upload-state', { hasText: 'Done' }).waitFor({ timeout: 30_000 });
    expect(keys).to.have.length(2);
    expect(keys[1]).to.equal(keys[0]);
    // Reserved once, sent once, completed twice (the first answer lost).
    expect(posts.filter((path) => path === '/uploads')).to.have.length(1);
    expect(posts.filter((path) => !path.startsWith('/uploads'))).to.have.length(1);
    expect(posts.filter((path) => path.endsWith('/complete'))).to.have.length(2);
    expect(await listAll(running.server.url, { user_id: 'walt' })).to.have.length(1);
  });
});
