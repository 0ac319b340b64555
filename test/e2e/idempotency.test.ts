import { expect } from 'chai';
import { imageFile, listAll, openGallery, pathOf, signInAs, inChromium, useGallery } from './browser.ts';

describe(inChromium('gallery e2e: retries never duplicate'), function () {
  this.timeout(120_000);
  const running = useGallery();

  it('retries a photo whose answer was lost: the service replays it, and the photo is stored once', async () => {
    const gallery = await openGallery(running.browser, running.server.url);
    const { page } = gallery;
    gallery.allowErrors(/net::ERR_CONNECTION_RESET|net::ERR_FAILED/);
    await signInAs(page, 'vera');
    // The first upload reaches the service and is stored; its answer never reaches the page.
    let lose = true;
    const keys: string[] = [];
    await page.route('**/images', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (!lose) return route.fallback();
      lose = false;
      const response = await route.fetch();
      expect(response.status()).to.equal(201);
      await route.abort('connectionreset');
    });

    await page.locator('#file-input').setInputFiles([imageFile('only-once', 'png')]);
    const row = page.locator('.upload', { hasText: 'only-once.png' });
    await row.getByRole('alert').filter({ hasText: 'The connection was lost before the server answered' }).waitFor();
    expect(await listAll(running.server.url, { user_id: 'vera' })).to.have.length(1);

    const replay = page.waitForResponse((response) => pathOf(response.url()) === '/images' && response.request().method() === 'POST');
    await row.getByRole('button', { name: 'Retry only-once.png' }).click();
    const replayed = await replay;
    expect(replayed.status()).to.equal(201);
    expect(replayed.headers()['idempotent-replayed']).to.equal('true');
    await row.locator('.upload-state', { hasText: 'Done' }).waitFor();
    expect(keys).to.have.length(2);
    expect(keys[1]).to.equal(keys[0]);

    const stored = await listAll(running.server.url, { user_id: 'vera' });
    expect(stored).to.have.length(1);
    // The grid takes the answer in a render of its own, after the upload row says Done.
    await page.locator(`.tile[data-image-id="${stored[0]!.image_id}"]`).waitFor();
    expect(await page.locator('.grid .tile').count()).to.equal(1);
  });
});
