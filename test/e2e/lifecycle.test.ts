import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'playwright-core';
import { imageFile, listAll, openGallery, pathOf, ready, seedImage, seriousAxeViolations, signInAs, inChromium, useGallery } from './browser.ts';
import type { ApiImage } from './browser.ts';

interface TrashPage {
  images: (ApiImage & { deleted_at: string; purge_at: string })[];
  next_page_token: string | null;
}

async function trashOf(url: string, user: string): Promise<TrashPage['images']> {
  const response = await fetch(`${url}/users/${user}/trash`, { headers: { 'X-User-Id': user } });
  expect(response.status).to.equal(200);
  return ((await response.json()) as TrashPage).images;
}

const status = async (url: string, id: string): Promise<number> => (await fetch(`${url}/images/${id}`)).status;

/** The files under the service's data folder whose path names the image (its original and variants are stored under its id). */
async function filesOf(dataDir: string, id: string): Promise<string[]> {
  const entries = await readdir(dataDir, { recursive: true });
  return entries.filter((entry) => entry.includes(id));
}


describe(inChromium('gallery e2e: editing, trash, restore and erase'), function () {
  this.timeout(120_000);
  // The service's data folder, where the erase test looks for the bytes of what it erased.
  let dataDir: string;
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'gallery-lifecycle-'))));
  after(async () => {
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });
  const running = useGallery(() => ({ DATA_DIR: dataDir }));

  it('edits the caption with If-Match, and shows an edit made elsewhere meanwhile instead of overwriting it (412)', async () => {
    const photo = await seedImage(running.server.url, { user_id: 'olga', title: 'Old title', tags: 'a,b' }, imageFile('caption', 'png'));
    const gallery = await openGallery(running.browser, running.server.url);
    const { page } = gallery;
    gallery.allowErrors(/Failed to load resource: the server responded with a status of 412/);
    await signInAs(page, 'olga');
    const patches: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push(request);
    });

    await page.locator(`.tile[data-image-id="${photo.image_id}"] button`).click();
    const dialog = page.getByRole('dialog');
    const read = page.waitForResponse((response) => pathOf(response.url()) === `/images/${photo.image_id}` && response.request().method() === 'GET');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    const etag = (await read).headers().etag;
    expect(etag).to.be.a('string');
    await dialog.getByLabel('Title').fill('New title');
    await dialog.getByLabel('Description').fill('Now with words');
    await dialog.getByLabel(/^Tags/).fill('Sea, sky');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('heading', { name: 'New title' }).waitFor();

    expect(patches).to.have.length(1);
    const [patch] = patches as [Request];
    expect(pathOf(patch.url())).to.equal(`/images/${photo.image_id}`);
    expect(patch.headers()['if-match']).to.equal(etag);
    expect(patch.headers()['x-user-id']).to.equal('olga');
    expect(patch.headers()['idempotency-key']).to.be.a('string');
    expect(patch.headers()['content-type']).to.match(/^application\/(merge-patch\+)?json/);
    expect(patch.postDataJSON()).to.deep.equal({ title: 'New title', description: 'Now with words', tags: ['sea', 'sky'] });
    const saved = (await (await fetch(`${running.server.url}/images/${photo.image_id}`)).json()) as ApiImage;
    expect(saved).to.include({ title: 'New title', description: 'Now with words' });
    expect(saved.tags).to.deep.equal(['sea', 'sky']);
    // The thumbnail, not its placeholder (which is there until the thumbnail has loaded).
    await page.locator(`.tile[data-image-id="${photo.image_id}"] img.tile-image[alt="New title"]`).waitFor();

    // Opened for editing, then changed elsewhere: the stale save is refused, and the newer caption shown.
    const reread = page.waitForResponse((response) => pathOf(response.url()) === `/images/${photo.image_id}` && response.request().method() === 'GET');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    const current = (await reread).headers().etag!;
    const elsewhere = await fetch(`${running.server.url}/images/${photo.image_id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'X-User-Id': 'olga', 'If-Match': current },
      body: JSON.stringify({ title: 'Changed elsewhere' }),
    });
    expect(elsewhere.status).to.equal(200);
    await dialog.getByLabel('Title').fill('Mine');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Someone changed this photo after you opened it' }).waitFor();
    expect(await dialog.getByLabel('Title').inputValue()).to.equal('Changed elsewhere');
    expect(((await (await fetch(`${running.server.url}/images/${photo.image_id}`)).json()) as ApiImage).title).to.equal('Changed elsewhere');

    // Made again on the newer version, it goes through.
    await dialog.getByLabel('Title').fill('Mine');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('heading', { name: 'Mine' }).waitFor();
    expect(patches.at(-1)!.headers()['if-match']).to.not.equal(current);
  });

  it('moves a photo to the trash (with undo), and restores it from the Trash view', async () => {
    const kept = await seedImage(running.server.url, { user_id: 'pia', title: 'Keeper', tags: 'keep' }, imageFile('keeper', 'png'));
    const photo = await seedImage(running.server.url, { user_id: 'pia', title: 'Regret', tags: 'oops' }, imageFile('regret', 'png'));
    const { page } = await openGallery(running.browser, `${running.server.url}/?user=pia`);
    await signInAs(page, 'pia');

    // Delete from the lightbox: the next photo is shown, the tile leaves the grid, Undo is offered.
    await page.locator(`.tile[data-image-id="${photo.image_id}"] button`).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
    await page.getByRole('dialog', { name: 'Keeper' }).waitFor();
    await page.locator(`.tile[data-image-id="${photo.image_id}"]`).waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: '“Regret” moved to the trash.' }).waitFor();
    expect(await status(running.server.url, photo.image_id)).to.equal(404);
    const [trashed] = await trashOf(running.server.url, 'pia');
    expect(trashed?.image_id).to.equal(photo.image_id);
    expect(Date.parse(trashed!.purge_at)).to.be.greaterThan(Date.parse(trashed!.deleted_at));

    await page.keyboard.press('Escape');
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.locator(`.tile[data-image-id="${photo.image_id}"]`).waitFor();
    expect(await status(running.server.url, photo.image_id)).to.equal(200);
    expect(await trashOf(running.server.url, 'pia')).to.deep.equal([]);

    // Again, then back from the Trash view.
    await page.locator(`.tile[data-image-id="${photo.image_id}"] button`).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Trash' }).click();
    expect(new URL(page.url()).search).to.equal('?view=trash');
    const item = page.locator(`.trash-item[data-image-id="${photo.image_id}"]`);
    await item.getByText(/^Deleted .*; erased for good on /).waitFor();
    await item.getByRole('button', { name: 'Restore Regret' }).click();
    await item.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: '“Regret” is back in your photos.' }).waitFor();
    await page.getByText('The trash is empty.').waitFor();

    await page.getByRole('link', { name: 'My photos' }).click();
    await page.locator(`.tile[data-image-id="${photo.image_id}"]`).waitFor();
    await page.locator(`.tile[data-image-id="${kept.image_id}"]`).waitFor();
    // Back in every listing with its tags.
    expect((await listAll(running.server.url, { tags: 'oops' })).map((image) => image.image_id)).to.deep.equal([photo.image_id]);
  });

  it('erases a photo for good from the trash, only after confirming', async () => {
    const seeded = await seedImage(running.server.url, { user_id: 'quinn', title: 'Gone soon' }, imageFile('gone-soon', 'jpeg', { width: 800, height: 600, size: 40_000 }));
    // With its variants made, so there is more than the original to erase.
    const photo = await ready(running.server.url, seeded.image_id);
    expect(photo.variants).to.not.equal(null);
    expect(await filesOf(dataDir, photo.image_id)).to.not.deep.equal([]);
    const deleted = await fetch(`${running.server.url}/images/${photo.image_id}`, { method: 'DELETE', headers: { 'X-User-Id': 'quinn' } });
    expect(deleted.status).to.equal(200);
    const { page } = await openGallery(running.browser, `${running.server.url}/?view=trash`);
    await signInAs(page, 'quinn');
    const item = page.locator(`.trash-item[data-image-id="${photo.image_id}"]`);
    // A deleted photo's files are not served: the trash shows its placeholder, made in the page.
    expect(await item.locator('.trash-thumb img').getAttribute('src')).to.match(/^data:image\/png;base64,/);

    // Cancel changes nothing.
    await item.getByRole('button', { name: 'Erase now: Gone soon' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Erase this photo now?' });
    await confirm.getByText('“Gone soon” and every copy of it will be erased for good. This cannot be undone.').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await trashOf(running.server.url, 'quinn')).map((image) => image.image_id)).to.deep.equal([photo.image_id]);

    const purges: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'DELETE') purges.push(request.url());
    });
    await item.getByRole('button', { name: 'Erase now: Gone soon' }).click();
    await confirm.getByRole('button', { name: 'Erase forever' }).click();
    await item.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: '“Gone soon” was erased.' }).waitFor();
    expect(purges.map((url) => new URL(url).search)).to.deep.equal(['?purge=true']);
    expect(await trashOf(running.server.url, 'quinn')).to.deep.equal([]);
    expect(await status(running.server.url, photo.image_id)).to.equal(404);
    expect((await fetch(photo.download_url!)).status).to.be.oneOf([403, 404]);
    expect((await fetch(photo.variants!.thumb.url)).status).to.be.oneOf([403, 404]);
    // The bytes are gone from the store: the original and every variant.
    expect(await filesOf(dataDir, photo.image_id), "files left").to.deep.equal([]);
  });

  it('has no serious or critical axe-core violations in the trash and its confirmation', async () => {
    const photo = await seedImage(running.server.url, { user_id: 'rosa', title: 'Trashed' }, imageFile('trashed', 'png'));
    await fetch(`${running.server.url}/images/${photo.image_id}`, { method: 'DELETE', headers: { 'X-User-Id': 'rosa' } });
    const { page } = await openGallery(running.browser, `${running.server.url}/?view=trash`, { bypassCSP: true });
    await signInAs(page, 'rosa');
    await page.locator(`.trash-item[data-image-id="${photo.image_id}"]`).waitFor();
    expect(await seriousAxeViolations(page), 'trash').to.deep.equal([]);
    await page.getByRole('button', { name: 'Erase now: Trashed' }).click();
    await page.getByRole('alertdialog').waitFor();
    expect(await seriousAxeViolations(page), 'confirmation').to.deep.equal([]);
  });
});
