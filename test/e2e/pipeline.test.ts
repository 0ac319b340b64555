import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { startGallery } from '../support/gallery-process.ts';
import { freePort } from '../support/server-process.ts';
import { imageFile, openGallery, pathOf, ready, seedImage, signInAs, waitForTiles, inChromium, useGallery } from './browser.ts';
import type { ApiImage, Ready } from './browser.ts';

describe(inChromium('gallery e2e: thumbnails, placeholders and processing'), function () {
  this.timeout(120_000);
  const running = useGallery();

  it('shows a new photo as processing (from the file just sent), then its thumbnail once ready, without a reload', async () => {
    const requested: string[] = [];
    const { page } = await openGallery(running.browser, running.server.url, {
      beforeLoad: (page) => page.on('request', (request) => requested.push(request.url())),
    });
    await signInAs(page, 'sam');
    // Polls are held until the processing state has been seen, so a fast pipeline cannot hide it.
    const held: Route[] = [];
    let holding = true;
    await page.route(/\/images\/[^/?]+(\?.*)?$/, async (route) => {
      if (route.request().method() === 'GET' && holding) held.push(route);
      else await route.fallback();
    });
    const answered = page.waitForResponse((response) => pathOf(response.url()) === '/images' && response.request().method() === 'POST');
    await page.locator('#file-input').setInputFiles([imageFile('fresh', 'jpeg', { width: 3000, height: 2000, size: 400_000 })]);
    const { image } = (await (await answered).json()) as { image: ApiImage };
    expect(image.status).to.equal('processing');
    expect(image.variants ?? null).to.equal(null);
    expect(image.thumbnail_url).to.equal(null);

    // The tile says so, and shows the file from the page's own memory: nothing is downloaded.
    const tile = page.locator(`.tile[data-image-id="${image.image_id}"]`);
    await tile.getByText('Processing…').waitFor();
    await tile.getByRole('button', { name: 'fresh Processing…' }).waitFor();
    const preview = tile.locator('img.tile-image.is-loaded');
    await preview.waitFor();
    expect(await preview.getAttribute('src')).to.match(/^blob:/);
    expect(requested.filter((url) => url.startsWith('http') && pathOf(url) === pathOf(image.download_url!))).to.deep.equal([]);

    const done = await ready(running.server.url, image.image_id);
    holding = false;
    for (const route of held.splice(0)) await route.fallback();
    await waitForTiles(page, running.server.url, [image.image_id]);
    expect(pathOf((await tile.locator('img.tile-image').getAttribute('src'))!)).to.equal(pathOf(done.variants.thumb.url));
    expect(await tile.getByText('Processing…').count()).to.equal(0);
    expect(requested.filter((url) => url.startsWith('http') && pathOf(url) === pathOf(image.download_url!)), 'the original is never loaded').to.deep.equal([]);
  });

  it('shows a photo sent from elsewhere as processing without loading its original, then its thumbnail once it is made', async () => {
    // A service whose variants are made by another process (PROCESSING=external), which is not
    // running yet: the photo stays processing until the same data is served with a processor.
    const dataDir = await mkdtemp(join(tmpdir(), 'gallery-external-'));
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    let service = await startGallery({ ...env, PROCESSING: 'external' });
    try {
      const sent = await seedImage(service.url, { user_id: 'noor', title: 'Slow one' }, imageFile('slow', 'jpeg', { width: 1600, height: 1200, size: 200_000 }));
      expect(sent.status).to.equal('processing');
      const requested: string[] = [];
      const gallery = await openGallery(running.browser, `${service.url}/?user=noor`, {
        beforeLoad: (page) => page.on('request', (request) => requested.push(request.url())),
      });
      const { page } = gallery;
      // Its polls fail while the service restarts.
      gallery.allowErrors(/net::ERR_CONNECTION_REFUSED|net::ERR_CONNECTION_RESET|net::ERR_EMPTY_RESPONSE/);
      const tile = page.locator(`.tile[data-image-id="${sent.image_id}"]`);
      await tile.getByRole('button', { name: 'Slow one Processing…' }).waitFor();
      // Asked about again, still processing, still no picture: the original is not the stand-in.
      await page.waitForResponse((response) => pathOf(response.url()) === `/images/${sent.image_id}` && response.request().method() === 'GET');
      expect(await tile.locator('img.tile-image').count()).to.equal(0);
      expect(await tile.getByText('Processing…').count()).to.equal(1);

      await service.stop();
      service = await startGallery({ ...env, PROCESSING: 'local' });
      const done = await ready(service.url, sent.image_id);
      await waitForTiles(page, service.url, [sent.image_id]);
      expect(pathOf((await tile.locator('img.tile-image').getAttribute('src'))!)).to.equal(pathOf(done.variants.thumb.url));
      expect(await tile.getByText('Processing…').count()).to.equal(0);
      expect(requested.filter((url) => url.startsWith('http') && pathOf(url) === pathOf(sent.download_url!)), 'the original is never loaded').to.deep.equal([]);
    } finally {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('loads thumbnails, never originals, showing each ThumbHash placeholder until its thumbnail arrives', async () => {
    const seeded: Ready[] = [];
    for (const name of ['dawn', 'noon', 'dusk']) {
      const image = await seedImage(running.server.url, { user_id: 'tia', title: name }, imageFile(name, 'jpeg', { width: 1600, height: 1200, size: 200_000 }));
      seeded.push(await ready(running.server.url, image.image_id));
    }
    const originals = new Set(seeded.map((image) => pathOf(image.download_url!)));
    const thumbs = new Set(seeded.map((image) => pathOf(image.variants.thumb.url)));
    const held: Route[] = [];
    let holding = true;
    const loaded: string[] = [];
    const { page } = await openGallery(running.browser, `${running.server.url}/?user=tia`, {
      beforeLoad: (page) => {
        page.on('request', (request) => {
          if (request.resourceType() === 'image' && !request.url().startsWith('data:')) loaded.push(pathOf(request.url()));
        });
        void page.route(
          (url) => thumbs.has(url.pathname),
          async (route) => {
            if (holding) held.push(route);
            else await route.fallback();
          },
        );
      },
    });

    for (const image of seeded) {
      const tile = page.locator(`.tile[data-image-id="${image.image_id}"]`);
      const placeholder = tile.locator('img.tile-placeholder');
      await placeholder.waitFor();
      expect(await placeholder.getAttribute('src')).to.match(/^data:image\/png;base64,/);
      expect(await tile.locator('img.tile-image.is-loaded').count()).to.equal(0);
      const img = tile.locator('img.tile-image');
      expect(await img.getAttribute('width')).to.equal(String(image.variants.thumb.width));
      expect(await img.getAttribute('height')).to.equal(String(image.variants.thumb.height));
    }

    holding = false;
    for (const route of held.splice(0)) await route.fallback();
    for (const image of seeded) {
      const tile = page.locator(`.tile[data-image-id="${image.image_id}"]`);
      await tile.locator('img.tile-image.is-loaded').waitFor();
      await tile.locator('img.tile-placeholder').waitFor({ state: 'detached' });
    }
    expect(loaded.filter((path) => originals.has(path)), 'originals loaded by the grid').to.deep.equal([]);
    expect(new Set(loaded.filter((path) => thumbs.has(path)))).to.deep.equal(thumbs);
  });

  it('opens the lightbox on the display variant, with its size set', async () => {
    const seededImage = await seedImage(running.server.url, { user_id: 'uma', title: 'Tall one' }, imageFile('tall', 'jpeg', { width: 1200, height: 2400, size: 150_000 }));
    const image = await ready(running.server.url, seededImage.image_id);
    const { page } = await openGallery(running.browser, `${running.server.url}/?user=uma`);
    await page.locator(`.tile[data-image-id="${image.image_id}"] button`).click();
    const shown = page.getByRole('dialog', { name: 'Tall one' }).locator('img.lightbox-image');
    await shown.waitFor();
    expect(pathOf((await shown.getAttribute('src'))!)).to.equal(pathOf(image.variants.display.url));
    expect(await shown.getAttribute('width')).to.equal(String(image.variants.display.width));
    expect(await shown.getAttribute('height')).to.equal(String(image.variants.display.height));
    // The original is still one click away.
    expect(pathOf((await page.getByRole('link', { name: 'Download original' }).getAttribute('href'))!)).to.equal(pathOf(image.download_url!));
  });
});
