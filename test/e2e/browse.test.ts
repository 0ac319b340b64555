// Browsing in Chromium: infinite scroll along the page tokens, filters kept in the URL (and a
// shared link opening the same view), tags that filter when clicked, and the lightbox.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startGallery } from '../support/gallery-process.ts';
import type { GalleryProcess } from '../support/gallery-process.ts';
import {
  closePagesExpectingNoErrors,
  expectedDisplay,
  imageFile,
  launchChromium,
  listAll,
  listSettled,
  openGallery,
  pathOf,
  seedImage,
  signInAs,
  tileIds,
  inChromium,
  skipWithoutChromium,
} from './browser.ts';
import type { ApiImage } from './browser.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** 45 photos: bob's and carol's, tagged nature or city, every fifth also night. */
async function seed(url: string): Promise<void> {
  for (let i = 1; i <= 45; i += 1) {
    const tags = [i % 2 === 0 ? 'nature' : 'city', ...(i % 5 === 0 ? ['night'] : [])].join(',');
    await seedImage(url, { user_id: i % 3 === 0 ? 'carol' : 'bob', title: `Photo ${pad(i)}`, description: `Number ${i} of the set.`, tags }, imageFile(`photo-${pad(i)}`, i % 2 === 0 ? 'jpeg' : 'png', { width: 300 + i, height: 200 + i }));
  }
}

const search = (page: Page): string => new URL(page.url()).search;

async function scrollToEnd(page: Page, expected: number): Promise<void> {
  for (let round = 0; round < 50 && (await page.locator('.grid .tile').count()) < expected; round += 1) {
    await page.mouse.wheel(0, 3000);
    await page.waitForTimeout(100);
  }
}

describe(inChromium('gallery e2e: browsing'), function () {
  this.timeout(120_000);
  let server: GalleryProcess;
  let browser: Browser;
  let all: ApiImage[];

  before(async function () {
    skipWithoutChromium(this);
    [server, browser] = await Promise.all([startGallery(), launchChromium()]);
    await seed(server.url);
    all = await listSettled(server.url);
    expect(all).to.have.length(45);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(closePagesExpectingNoErrors);

  it('scrolls through 45 photos, fetching each next page with the page token of the one before', async () => {
    const answers: Promise<{ token: string | null; next: string | null; count: number }>[] = [];
    const { page } = await openGallery(browser, server.url, {
      beforeLoad: (page) =>
        page.on('response', (response) => {
          const url = new URL(response.url());
          if (url.pathname !== '/images' || response.request().method() !== 'GET') return;
          answers.push(
            response.json().then((body: { images: unknown[]; next_page_token: string | null }) => ({ token: url.searchParams.get('page_token'), next: body.next_page_token, count: body.images.length })),
          );
        }),
    });
    await page.locator('.grid .tile').first().waitFor();
    expect(await page.locator('.grid .tile').count()).to.be.lessThan(45);

    await scrollToEnd(page, 45);
    expect(await tileIds(page)).to.deep.equal(all.map((image) => image.image_id));
    const pages = await Promise.all(answers);
    expect(pages.map((answer) => answer.count)).to.deep.equal([20, 20, 5]);
    expect(pages[0]!.token).to.equal(null);
    for (let i = 1; i < pages.length; i += 1) expect(pages[i]!.token).to.equal(pages[i - 1]!.next);
    expect(pages.at(-1)!.next).to.equal(null);
    expect(await page.getByRole('button', { name: 'Load more photos' }).count()).to.equal(0);
  });

  it('filters by tag with the filter in the URL, and a shared link opens the same view', async () => {
    const { page } = await openGallery(browser, server.url);
    await page.getByLabel('Tag', { exact: true }).fill('nature');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('heading', { name: 'Photos tagged nature' }).waitFor();
    expect(search(page)).to.equal('?tag=nature');
    const nature = await listAll(server.url, { tags: 'nature' });
    expect(nature).to.have.length(22);
    await scrollToEnd(page, nature.length);
    expect(await tileIds(page)).to.deep.equal(nature.map((image) => image.image_id));

    // The link, opened by someone else: same photos, same filter in the form.
    const shared = await openGallery(browser, `${server.url}/?tag=nature`);
    await scrollToEnd(shared.page, nature.length);
    expect(await tileIds(shared.page)).to.deep.equal(nature.map((image) => image.image_id));
    expect(await shared.page.getByLabel('Tag', { exact: true }).inputValue()).to.equal('nature');

    // Back returns to every photo.
    await page.goBack();
    await page.getByRole('heading', { name: 'All photos' }).waitFor();
    expect(search(page)).to.equal('');
  });

  it('filters by user and by date range', async () => {
    const { page } = await openGallery(browser, `${server.url}/?user=carol`);
    await page.getByRole('heading', { name: 'Photos by carol' }).waitFor();
    const carol = await listAll(server.url, { user_id: 'carol' });
    await scrollToEnd(page, carol.length);
    expect(await tileIds(page)).to.deep.equal(carol.map((image) => image.image_id));

    // Everything was uploaded today (UTC, as the API reads dates): a range ending yesterday is empty.
    const today = all[0]!.created_at.slice(0, 10);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const listed: URL[] = [];
    page.on('request', (request) => {
      if (pathOf(request.url()) === '/images') listed.push(new URL(request.url()));
    });
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await page.getByLabel('To', { exact: true }).fill(yesterday);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No photos match these filters.').waitFor();
    expect(search(page)).to.equal(`?user=carol&from=2020-01-01&to=${yesterday}`);
    expect(listed.at(-1)!.searchParams.get('start_date')).to.equal('2020-01-01');
    expect(listed.at(-1)!.searchParams.get('end_date')).to.equal(yesterday);
    expect(listed.at(-1)!.searchParams.get('user_id')).to.equal('carol');

    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('.grid .tile').first().waitFor();
    await scrollToEnd(page, carol.length);
    expect(await tileIds(page)).to.deep.equal(carol.map((image) => image.image_id));
  });

  it('opens the lightbox on the display variant (else the original), moves with the arrow keys and closes with Escape', async () => {
    const { page } = await openGallery(browser, server.url);
    const [first, second, third] = all as [ApiImage, ApiImage, ApiImage];
    await page.locator(`.tile[data-image-id="${second.image_id}"] button`).click();
    const dialog = page.getByRole('dialog', { name: second.title! });
    await dialog.waitFor();

    const image = dialog.locator('img.lightbox-image');
    expect(await image.getAttribute('alt')).to.equal(second.title);
    await page.waitForFunction((element) => (element as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0, await image.elementHandle());
    expect(pathOf((await image.getAttribute('src'))!)).to.equal(expectedDisplay(second));
    const info = await dialog.locator('.lightbox-info').innerText();
    expect(info).to.include(second.description!);
    expect(info).to.include(`${second.width} × ${second.height} px`);
    expect(info).to.include('Uploaded');
    for (const tag of second.tags) await dialog.getByRole('button', { name: `Show photos tagged ${tag}` }).waitFor();
    expect(pathOf((await dialog.getByRole('link', { name: 'Download original' }).getAttribute('href'))!)).to.equal(pathOf(second.download_url!));

    await page.keyboard.press('ArrowRight');
    await page.getByRole('dialog', { name: third.title! }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('dialog', { name: first.title! }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('dialog', { name: first.title! }).waitFor();

    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    // Focus returns to the tile of the photo last seen.
    await page.waitForFunction((id) => (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(n: string): string } | null } | null } }).document.activeElement?.closest('.tile')?.getAttribute('data-image-id') === id, first.image_id);
  });

  it('filters by a tag clicked in the lightbox', async () => {
    const { page } = await openGallery(browser, server.url);
    const night = all.find((image) => image.tags.includes('night'))!;
    await page.locator(`.tile[data-image-id="${night.image_id}"] button`).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Show photos tagged night' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'Photos tagged night' }).waitFor();
    expect(search(page)).to.equal('?tag=night');
    const tagged = await listAll(server.url, { tags: 'night' });
    await page.locator('.grid .tile').nth(tagged.length - 1).waitFor();
    expect(await tileIds(page)).to.deep.equal(tagged.map((image) => image.image_id));
  });

  it("shows the owner's controls to the owner only", async () => {
    const { page } = await openGallery(browser, server.url);
    const bobs = all.find((image) => image.user_id === 'bob')!;
    await signInAs(page, 'mallory');
    await page.locator(`.tile[data-image-id="${bobs.image_id}"] button`).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Edit' }).count()).to.equal(0);
    expect(await dialog.getByRole('button', { name: 'Move to trash' }).count()).to.equal(0);
    await page.keyboard.press('Escape');

    await signInAs(page, 'bob');
    await page.locator(`.tile[data-image-id="${bobs.image_id}"] button`).click();
    await dialog.getByRole('button', { name: 'Edit' }).waitFor();
    await dialog.getByRole('button', { name: 'Move to trash' }).waitFor();
  });
});
