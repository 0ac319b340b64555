// What holds for every page of the gallery: served under a strict CSP, small, accessible (axe-core
// finds nothing serious or critical), usable from a 360 px phone, and the screenshots the README shows.
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { webRoutes } from '../../apps/http/web-routes.ts';
import { GZIP_BUDGET_BYTES, buildWeb } from '../../scripts/build-web.ts';
import type { WebManifest } from '../../scripts/build-web.ts';
import { startGallery } from '../support/gallery-process.ts';
import type { GalleryProcess } from '../support/gallery-process.ts';
import { textFile } from '../support/images.ts';
import { DESKTOP, PHONE, closePagesExpectingNoErrors, imageFile, launchChromium, listSettled, openGallery, seedImage, seriousAxeViolations, signInAs, inChromium, skipWithoutChromium } from './browser.ts';
import { SCENES, sceneFile } from './scenes.ts';

// A test run must not rewrite tracked files: `npm run screenshots` sets SCREENSHOTS_DIR to refresh the README's.
const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? join(tmpdir(), 'image-service-screenshots');

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer): { width: number; height: number } => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

// Just enough of the DOM's types for the checks below, which run in the page. (Functions, not
// strings: the page's CSP forbids the eval a string predicate needs.)
interface PageImage {
  complete: boolean;
  naturalWidth: number;
}
interface PageDocument {
  querySelectorAll(selector: string): ArrayLike<PageImage>;
  querySelector(selector: string): PageImage | null;
}

/** Every tile done: none processing, every picture loaded. */
async function allThumbnailsLoaded(page: Page): Promise<void> {
  await page.locator('.grid .tile').first().waitFor();
  await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: PageDocument }).document;
      return doc.querySelectorAll('.grid .tile-badge').length === 0 && Array.from(doc.querySelectorAll('.grid .tile-image')).every((img) => img.complete && img.naturalWidth > 0);
    },
    undefined,
    { timeout: 60_000 },
  );
}

async function openLightbox(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: title, exact: true }).click();
  await page.getByRole('dialog', { name: title }).waitFor();
  await page.waitForFunction(() => {
    const img = (globalThis as unknown as { document: PageDocument }).document.querySelector('dialog .lightbox-image');
    return img !== null && img.complete && img.naturalWidth > 0;
  });
}

describe('gallery e2e: quality', function () {
  this.timeout(180_000);

  describe('the build and the routes, without a browser', () => {
    it('bundles one script and one stylesheet within 60 KB gzipped, linked from a page with no inline code', async () => {
      const outDir = await mkdtemp(join(tmpdir(), 'web-build-'));
      try {
        const built = await buildWeb(outDir, { quiet: true });
        expect(built.gzipBytes).to.be.at.most(GZIP_BUDGET_BYTES);
        const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as WebManifest;
        const names = Object.keys(manifest.assets);
        expect(names.filter((name) => name.endsWith('.js'))).to.have.length(1);
        expect(names.filter((name) => name.endsWith('.css'))).to.have.length(1);
        for (const name of names) expect(name).to.match(/^[a-z]+-[A-Za-z0-9_-]{10}\.(js|css|svg)$/);
        const page = await readFile(join(outDir, 'index.html'), 'utf8');
        expect(page).to.not.match(/<style|\sstyle=|\son[a-z]+=/i);
        for (const script of page.match(/<script[^>]*>/g) ?? []) expect(script).to.match(/ src="\/assets\//);
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    });

    it('answers 503 with how to build the gallery while there is no build', async () => {
      const routes = webRoutes({ distDir: join(tmpdir(), 'no-such-gallery-build'), identityMode: 'header', storageOrigins: [] });
      const page = routes.find((route) => route.path === '/')!;
      const response = await page.handle({ method: 'GET', path: '/', params: {}, query: {}, headers: {}, requestId: 'test' });
      expect(response.status).to.equal(503);
      expect(String(response.body)).to.include('npm run build:web');
    });
  });

  describe(inChromium('served by the service'), () => {
    let server: GalleryProcess;
    let browser: Browser;

    before(async function () {
      skipWithoutChromium(this);
      [server, browser] = await Promise.all([startGallery(), launchChromium()]);
      for (const scene of SCENES) await seedImage(server.url, { user_id: 'maya', title: scene.title, description: scene.description, tags: scene.tags }, await sceneFile(scene));
      await listSettled(server.url);
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });
    afterEach(closePagesExpectingNoErrors);

    it('sends the page with a CSP that lets only its own files run, and its hashed assets with a year of cache', async () => {
      const response = await fetch(`${server.url}/`);
      expect(response.status).to.equal(200);
      const origin = new URL(server.url).origin;
      const directives = Object.fromEntries(
        response.headers
          .get('content-security-policy')!
          .split(';')
          .map((directive) => directive.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values.join(' ')]),
      );
      expect(directives).to.deep.equal({
        'default-src': "'none'",
        'script-src': "'self'",
        'style-src': "'self'",
        'img-src': `'self' data: blob: ${origin}`,
        'connect-src': `'self' ${origin}`,
        'base-uri': "'none'",
        'frame-ancestors': "'none'",
        'form-action': "'none'",
      });
      const html = await response.text();
      expect(html).to.match(/<html lang="en" data-identity="header">/);
      for (const asset of html.match(/\/assets\/[^"]+/g) ?? []) {
        const served = await fetch(`${server.url}${asset}`);
        expect(served.status, asset).to.equal(200);
        expect(served.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      }
      for (const probe of ['/assets/manifest.json', '/assets/index.html', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fmanifest.json']) {
        expect((await fetch(`${server.url}${probe}`)).status, probe).to.equal(404);
      }
    });

    it('takes screenshots at 1280x800 and 390x844 for the README', async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      for (const viewport of [DESKTOP, PHONE]) {
        const size = `${viewport.width}x${viewport.height}`;
        const { page } = await openGallery(browser, server.url, { viewport });
        await signInAs(page, 'maya');
        await page.locator('main').click({ position: { x: 1, y: 1 } });
        await allThumbnailsLoaded(page);
        await page.screenshot({ path: join(SCREENSHOTS, `gallery-${size}.png`) });
        await openLightbox(page, SCENES[5]!.title);
        await page.screenshot({ path: join(SCREENSHOTS, `lightbox-${size}.png`) });
        for (const name of [`gallery-${size}.png`, `lightbox-${size}.png`]) expect(pngSize(await readFile(join(SCREENSHOTS, name)))).to.deep.equal(viewport);
      }
    });

    it('has no serious or critical axe-core violations: grid, uploads with errors, lightbox, editor, on desktop and phone', async () => {
      for (const viewport of [DESKTOP, PHONE]) {
        const gallery = await openGallery(browser, server.url, { viewport, bypassCSP: true });
        const { page } = gallery;
        await signInAs(page, 'maya');
        await allThumbnailsLoaded(page);
        await page.locator('#file-input').setInputFiles([{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: textFile(2048) }, imageFile('fine', 'png')]);
        await page.locator('.upload[data-state="done"]').waitFor();
        await page.locator('.upload[data-state="rejected"]').waitFor();
        expect(await seriousAxeViolations(page), `grid and uploads at ${viewport.width}px`).to.deep.equal([]);

        await openLightbox(page, SCENES[1]!.title);
        expect(await seriousAxeViolations(page), `lightbox at ${viewport.width}px`).to.deep.equal([]);
        await page.getByRole('dialog').getByRole('button', { name: 'Edit' }).click();
        await page.getByLabel('Title').waitFor();
        expect(await seriousAxeViolations(page), `editor at ${viewport.width}px`).to.deep.equal([]);
      }
    });

    it('fits a 360 px phone: no sideways scrolling on the grid, the uploads or the lightbox', async () => {
      const { page } = await openGallery(browser, server.url, { viewport: { width: 360, height: 740 } });
      await signInAs(page, 'maya');
      await page.locator('#file-input').setInputFiles([imageFile('a-photo-with-a-rather-long-file-name-from-a-phone-camera-20240501_123456', 'png')]);
      await page.locator('.upload[data-state="done"]').waitFor();
      await allThumbnailsLoaded(page);
      const overflow = (): Promise<number> => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;
      expect(await overflow()).to.equal(0);
      await openLightbox(page, SCENES[2]!.title);
      expect(await overflow()).to.equal(0);
      const box = await page.getByRole('dialog').boundingBox();
      expect(box!.width).to.be.at.most(360);
    });
  });
});
