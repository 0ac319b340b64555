// Driving Debian's Chromium (never a downloaded one) with playwright-core, and the habits every
// gallery test shares: a fresh profile per browser, every console error collected and failed on,
// and small helpers to seed and read the service over its API.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGallery } from '../support/gallery-process.ts';
import type { GalleryProcess } from '../support/gallery-process.ts';
import { makeImage } from '../support/images.ts';
import type { TestFormat } from '../support/images.ts';

export const CHROMIUM = '/usr/bin/chromium';

const HAS_CHROMIUM = existsSync(CHROMIUM);

/**
 * Where Debian's Chromium is not installed (.ci/run installs it), a browser suite is reported
 * pending, with the reason in its title, never as passed: name it with this, and call
 * skipWithoutChromium first thing in its `before`.
 */
export const inChromium = (title: string): string => (HAS_CHROMIUM ? title : `${title} (pending: no Chromium at ${CHROMIUM}; apt-get install chromium)`);

export function skipWithoutChromium(context: Mocha.Context): void {
  if (!HAS_CHROMIUM) context.skip();
}
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * Headless, no sandbox (CI runs as root), nothing phoning home. `launch` gives every browser a
 * fresh temporary profile (its own --user-data-dir), removed when it closes.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
}

export interface GalleryPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Declares console errors a test causes on purpose (a refused upload logs its 4xx). */
  allowErrors(pattern: RegExp): void;
}

const open: { page: GalleryPage; allowed: RegExp[] }[] = [];

// Chromium does not hand a multipart body holding a file to request listeners, so the page notes
// the part names of every form it sends by XHR, in order. Recording only: the request is unchanged.
const RECORD_FORMS = `(() => {
  window.__forms = [];
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__target = { method, url: new URL(url, location.href).href };
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData) window.__forms.push({ ...this.__target, parts: [...body.keys()], text: Object.fromEntries([...body].filter(([, value]) => typeof value === 'string')) });
    return send.call(this, body);
  };
})()`;

export interface SentForm {
  method: string;
  url: string;
  /** Every part's name, in order. */
  parts: string[];
  /** The text parts' values. */
  text: Record<string, string>;
}

/** The forms the page sent by XHR. */
export const sentForms = (page: Page): Promise<SentForm[]> => page.evaluate('window.__forms') as Promise<SentForm[]>;

/** A new context (clean storage) and page on the gallery, with its console watched. */
export interface OpenOptions {
  viewport?: { width: number; height: number };
  bypassCSP?: boolean;
  /** Called before the page loads, to watch its very first requests. */
  beforeLoad?(page: Page): void;
}

export async function openGallery(browser: Browser, url: string, options: OpenOptions = {}): Promise<GalleryPage> {
  // One locale and time zone everywhere, so dates read the same on every machine and screenshot.
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, bypassCSP: options.bypassCSP ?? false, reducedMotion: 'reduce', locale: 'en-US', timezoneId: 'UTC' });
  await context.addInitScript(RECORD_FORMS);
  const page = await context.newPage();
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  const gallery: GalleryPage = { page, context, errors, allowErrors: (pattern) => allowed.push(pattern) };
  open.push({ page: gallery, allowed });
  options.beforeLoad?.(page);
  await page.goto(url);
  await page.locator('main').waitFor();
  return gallery;
}

/**
 * For afterEach: closes every page opened since the last call and fails on any console error
 * (CSP violations, failed loads, exceptions) that its test did not declare.
 */
export async function closePagesExpectingNoErrors(): Promise<void> {
  const pages = open.splice(0);
  const unexpected = pages.flatMap(({ page, allowed }) => page.errors.filter((error) => !allowed.some((pattern) => pattern.test(error))));
  await Promise.all(pages.map(({ page }) => page.context.close().catch(() => undefined)));
  expect(unexpected, 'console errors').to.deep.equal([]);
}

/** Says who the person at the keyboard is, as they would: type, then Enter. */
export async function signInAs(page: Page, user: string): Promise<void> {
  const field = page.getByLabel('Who am I');
  await field.fill(user);
  await field.press('Enter');
}

export interface FileSpec {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const EXTENSIONS: Record<TestFormat, string> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp' };

/** A valid image file for the file picker, of the given format, dimensions and size (4 KiB unless told). */
export function imageFile(name: string, format: TestFormat, options: { width?: number; height?: number; size?: number } = {}): FileSpec {
  const buffer = makeImage({ width: options.width ?? 320, height: options.height ?? 240, format, size: options.size ?? 4096 });
  return { name: name.includes('.') ? name : `${name}.${EXTENSIONS[format]}`, mimeType: `image/${format}`, buffer };
}

export interface ApiImage {
  image_id: string;
  user_id: string;
  title: string | null;
  description: string | null;
  tags: string[];
  file_name: string;
  file_size: number;
  width: number;
  height: number;
  created_at: string;
  download_url: string | null;
  thumbnail_url?: string | null;
  status?: string;
  variants?: { thumb: { url: string; width: number; height: number }; display: { url: string; width: number; height: number } } | null;
  placeholder?: string | null;
}

/** Uploads through the API (not the page), to set a scene quickly. */
export async function seedImage(url: string, fields: { user_id: string; title?: string; description?: string; tags?: string }, file: FileSpec = imageFile('seed', 'png')): Promise<ApiImage> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file.buffer)], { type: file.mimeType }), file.name);
  const response = await fetch(`${url}/images`, { method: 'POST', body: form });
  const body = (await response.json()) as { image: ApiImage };
  expect(response.status, JSON.stringify(body)).to.equal(201);
  return body.image;
}

/** Every image a listing holds, following its page tokens. */
export async function listAll(url: string, query: Record<string, string> = {}): Promise<ApiImage[]> {
  const images: ApiImage[] = [];
  let token: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, limit: '100', ...(token === null ? {} : { page_token: token }) });
    const response = await fetch(`${url}/images?${params}`);
    expect(response.status).to.equal(200);
    const page = (await response.json()) as { images: ApiImage[]; next_page_token: string | null };
    images.push(...page.images);
    token = page.next_page_token;
  } while (token !== null);
  return images;
}

export async function getImage(url: string, id: string): Promise<ApiImage> {
  const response = await fetch(`${url}/images/${id}`);
  expect(response.status).to.equal(200);
  return (await response.json()) as ApiImage;
}

export type Ready = ApiImage & { variants: NonNullable<ApiImage['variants']>; placeholder: string };

/** The image once the service has made its variants; it must go from processing to ready within 30 s. */
export async function ready(url: string, id: string): Promise<Ready> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const image = await getImage(url, id);
    if (image.status === 'ready') return image as Ready;
    expect(image.status).to.equal('processing');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`image ${id} was not ready within 30 s`);
}

/** A URL's path, for comparing presigned URLs whose signatures and expiries differ. */
export const pathOf = (href: string): string => new URL(href).pathname;

/** What the grid should load for an image: its thumbnail, never the original; null while there is none. */
export const expectedThumb = (image: ApiImage): string | null => {
  const url = image.variants?.thumb.url ?? image.thumbnail_url ?? null;
  return url === null ? null : pathOf(url);
};

/** What the lightbox should show: the display variant once there is one, else the original. */
export const expectedDisplay = (image: ApiImage): string => pathOf(image.variants?.display.url ?? image.download_url!);

/** The image ids of the grid's tiles, in order. */
export const tileIds = (page: Page): Promise<string[]> =>
  page.locator('.grid .tile').evaluateAll((tiles) => tiles.map((tile) => (tile as unknown as { dataset: { imageId: string } }).dataset.imageId));

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. The page's CSP forbids the
 * inline script addScriptTag makes, so pages checked here are opened with `bypassCSP: true`.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const { violations: found } = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return found.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}

/**
 * Samples every upload row's progress bar once a frame, by file name, so a test can see the values
 * a bar went through and not only where it ended. (A string, because tsx would wrap a function's
 * inner functions in a helper the page does not have.)
 */
export async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__progress = {};
    const sample = () => {
      for (const row of document.querySelectorAll('.upload')) {
        const name = row.querySelector('.upload-name')?.textContent ?? '';
        const value = row.querySelector('progress')?.value;
        const seen = (window.__progress[name] ??= []);
        if (value !== undefined && seen.at(-1) !== value) seen.push(value);
      }
      requestAnimationFrame(sample);
    };
    sample();
  })()`);
}

export const progressSamples = (page: Page): Promise<Record<string, number[]>> => page.evaluate('window.__progress') as Promise<Record<string, number[]>>;

/** Slows this page's uploads to `bytesPerSecond`, so progress can be watched moving. */
export async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 10, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

/**
 * Every image of a listing once none is processing any more (at once where the service has no
 * pipeline): what the grid ends up showing can then be compared with what the API says.
 */
export async function listSettled(url: string, query: Record<string, string> = {}, timeoutMs = 60_000): Promise<ApiImage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const images = await listAll(url, query);
    if (!images.some((image) => image.status === 'processing')) return images;
    if (Date.now() > deadline) throw new Error(`still processing after ${timeoutMs} ms: ${images.filter((image) => image.status === 'processing').map((image) => image.image_id).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Waits until the tile of each image shows what it should finally show: its thumbnail once the
 * service has made one, or, for a photo it could make none of, the "No preview" badge. Photos
 * still processing are waited for.
 */
export async function waitForTiles(page: Page, url: string, ids: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting: string[] = [];
    for (const id of ids) {
      const image = await getImage(url, id);
      const tile = page.locator(`.tile[data-image-id="${id}"]`);
      if (image.status === 'failed') {
        if ((await tile.getByText('No preview').count()) === 0) waiting.push(id);
        continue;
      }
      const shown = await tile
        .locator('img.tile-image.is-loaded')
        .evaluateAll((images) => images.map((img) => (img as unknown as { currentSrc: string; naturalWidth: number }).naturalWidth > 0 && (img as unknown as { currentSrc: string }).currentSrc));
      const wanted = image.status === 'processing' ? null : expectedThumb(image);
      if (wanted === null || !shown.some((src) => typeof src === 'string' && src.startsWith('http') && pathOf(src) === wanted)) waiting.push(id);
    }
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`tiles not showing their final picture after ${timeoutMs} ms: ${waiting.join(', ')}`);
    await page.waitForTimeout(200);
  }
}

/**
 * The service with its gallery and a Chromium, for the tests of one describe: started before
 * them (with `env()`, read then), stopped after, and every page checked for console errors.
 */
export function useGallery(env: () => Record<string, string> = () => ({})): { server: GalleryProcess; browser: Browser } {
  const running = {} as { server: GalleryProcess; browser: Browser };
  before(async function () {
    skipWithoutChromium(this);
    [running.server, running.browser] = await Promise.all([startGallery(env()), launchChromium()]);
  });
  after(async () => {
    await running.browser?.close();
    await running.server?.stop();
  });
  afterEach(closePagesExpectingNoErrors);
  return running;
}
