// The gallery's first screen, in Debian's Chromium (issue 13, section 8): what a person opening a
// 100-photo account at /?user=... waits for and downloads before the grid shows pictures. One user
// gets 100 photo-like JPEGs (1600x1200, a few hundred KB each: smooth colour fields under sensor-like
// noise, so neither the originals nor the thumbnails compress to nothing), all processed to ready;
// then each visit is a fresh browser context (cold HTTP cache, clean storage) watched over CDP:
// - bytes received (encoded, headers included, as Network.dataReceived/loadingFinished count them)
//   from navigation until the first thumbnail has loaded, split into page (HTML/JS/CSS/icon), API
//   JSON and image bytes; in-flight responses count with the bytes already received;
// - time from navigation start (the page's performance.now()) to the load event of the 1st and the
//   12th tile image, and of the last tile of the first screen (1280x800);
// - the grid must load thumbnails only: requests for originals (must be 0) and for display
//   variants (the lightbox's; 0 expected) over the whole visit, until the network is quiet.
// For scale, what the first 12 photos weigh as originals, display variants and thumbnails. Visits
// run on localhost unthrottled (CPU and round trips only), then under CDP throttling like
// Lighthouse's slow-4G mobile link, where bytes turn into time; a timeline of CDP milestones shows
// where the wait goes. The local server sends the page uncompressed; the gzipped weight is shown
// beside it. One unrecorded warm-up visit per profile; medians of the rest, with min and max.
// Run with `npm run bench`; it asserts nothing.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { CHROMIUM, DESKTOP, launchChromium, listSettled, seedImage } from '../test/e2e/browser.ts';
import type { ApiImage } from '../test/e2e/browser.ts';
import { startGallery } from '../test/support/gallery-process.ts';

const USER = 'bench-gallery';
const IMAGES = 100;
const WIDTH = 1600;
const HEIGHT = 1200;
/** Photos made and uploaded at once while seeding. */
const SEED_CONCURRENCY = 3;
const FIRST = 12;
const RUNS = 5;
const WARMUP = 1;
/** A visit is over once no request has been in flight for this long. */
const QUIET_MS = 1000;
const VISIT_TIMEOUT_MS = 30_000;

interface Profile {
  name: string;
  /** CDP Network.emulateNetworkConditions; none for localhost as it is. */
  conditions?: { latency: number; downloadThroughput: number; uploadThroughput: number };
}

const PROFILES: Profile[] = [
  { name: 'localhost, unthrottled' },
  // Lighthouse's mobile figures: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
  { name: 'throttled: 150 ms RTT, 1.6 Mbit/s down', conditions: { latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 } },
];

// ---- seeding ----

/** Gaussian noise, made once: each photo takes a window of it at its own offset and strength. */
let noise: Buffer | undefined;

/** A photo-like JPEG: a smooth random colour field (a 16x12 image upscaled) under grain. */
async function photo(seed: number): Promise<Buffer> {
  noise ??= await sharp({ create: { width: WIDTH, height: HEIGHT * 2, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 16 } } })
    .raw()
    .toBuffer();
  let state = (seed * 2654435761 + 1) >>> 0;
  const random = (): number => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const field = Buffer.alloc(16 * 12 * 3);
  for (let i = 0; i < field.length; i += 1) field[i] = Math.floor(random() * 256);
  const pixels = await sharp(field, { raw: { width: 16, height: 12, channels: 3 } }).resize(WIDTH, HEIGHT, { kernel: 'cubic' }).raw().toBuffer();
  const offset = Math.floor(random() * (noise.length - pixels.length));
  const grain = 0.6 + random() * 0.7;
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = Math.max(0, Math.min(255, pixels[i]! + (noise[offset + i]! - 128) * grain));
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

async function seed(url: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let i = next++; i < IMAGES; i = next++) {
        const name = `photo-${String(i + 1).padStart(3, '0')}.jpg`;
        await seedImage(url, { user_id: USER, title: `Photo ${i + 1}`, tags: i % 2 === 0 ? 'bench,even' : 'bench' }, { name, mimeType: 'image/jpeg', buffer: await photo(i) });
      }
    }),
  );
}

// ---- one visit ----

type Kind = 'page' | 'api' | 'thumbnail' | 'display' | 'original' | 'other';
const KINDS: Kind[] = ['page', 'api', 'thumbnail', 'display', 'original', 'other'];

interface Traffic {
  url: string;
  kind: Kind;
  /** CDP timestamps, in seconds. */
  sentAt: number;
  headersAt?: number;
  headerBytes: number;
  chunks: [at: number, bytes: number][];
  finishedAt?: number;
  /** Everything received for it, headers included, once finished. */
  bytes?: number;
  failed: boolean;
  encoding?: string;
}

function kindOf(url: string, type: string | undefined): Kind {
  const path = new URL(url).pathname;
  if (path.startsWith('/files/images/')) return 'original';
  if (/^\/files\/variants\/[^/]+\/thumb\./.test(path)) return 'thumbnail';
  if (/^\/files\/variants\/[^/]+\/display\./.test(path)) return 'display';
  if (type === 'Fetch' || type === 'XHR') return 'api';
  if (path.startsWith('/files/')) return 'other';
  return 'page';
}

/** Bytes of a response received by CDP time `at`. */
function receivedBy(traffic: Traffic, at: number): number {
  if (traffic.finishedAt !== undefined && traffic.finishedAt <= at) return traffic.bytes ?? 0;
  const headers = traffic.headersAt !== undefined && traffic.headersAt <= at ? traffic.headerBytes : 0;
  return headers + traffic.chunks.filter(([when]) => when <= at).reduce((sum, [, bytes]) => sum + bytes, 0);
}

// The page notes the moment each tile image loads, from its own navigation start. A string, so
// the page gets it as written.
const RECORD_TILE_LOADS = `(() => {
  window.__tileLoads = [];
  document.addEventListener('load', (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement) || !img.classList.contains('tile-image')) return;
    window.__tileLoads.push({ at: performance.now(), src: img.currentSrc, id: img.closest('.tile')?.dataset.imageId ?? '' });
  }, true);
})()`;

const FIRST_SCREEN_IDS = `[...document.querySelectorAll('.grid .tile')].filter((tile) => { const box = tile.getBoundingClientRect(); return box.top < innerHeight && box.bottom > 0; }).map((tile) => tile.dataset.imageId)`;

interface Visit {
  /** From the request for the page, by CDP's clock, in ms. */
  milestones: { page: number; firstList: number; secondListAsked: number; thumbAsked: number; thumbReceived: number };
  firstMs: number;
  twelfthMs: number;
  screenMs: number;
  screenTiles: number;
  /** Received from navigation until the first thumbnail had arrived, by kind. */
  beforeFirst: Record<Kind, number>;
  requestsBeforeFirst: number;
  /** Received until the 12th thumbnail had arrived. */
  beforeTwelfth: number;
  /** The whole visit, until the network went quiet. */
  total: Record<Kind, number>;
  requests: Record<Kind, number>;
  apiPages: number;
  tilesLoaded: number;
  /** The page's own files, for the gzip comparison. */
  pageUrls: string[];
  pageEncodings: string[];
}

const sum = (values: Iterable<number>): number => [...values].reduce((total, value) => total + value, 0);
const byKind = (entries: Traffic[], value: (traffic: Traffic) => number): Record<Kind, number> =>
  Object.fromEntries(KINDS.map((kind) => [kind, sum(entries.filter((traffic) => traffic.kind === kind).map(value))])) as Record<Kind, number>;

function watch(cdp: CDPSession): { traffic: Map<string, Traffic>; lastEvent: () => number } {
  const traffic = new Map<string, Traffic>();
  let last = performance.now();
  const touch = (): void => void (last = performance.now());
  cdp.on('Network.requestWillBeSent', (event) => {
    touch();
    if (!event.request.url.startsWith('http')) return;
    traffic.set(event.requestId, { url: event.request.url, kind: kindOf(event.request.url, event.type), sentAt: event.timestamp, headerBytes: 0, chunks: [], failed: false });
  });
  cdp.on('Network.responseReceived', (event) => {
    touch();
    const entry = traffic.get(event.requestId);
    if (entry === undefined) return;
    entry.headersAt = event.timestamp;
    entry.headerBytes = event.response.encodedDataLength;
    entry.encoding = Object.entries(event.response.headers).find(([name]) => name.toLowerCase() === 'content-encoding')?.[1];
  });
  cdp.on('Network.dataReceived', (event) => {
    touch();
    traffic.get(event.requestId)?.chunks.push([event.timestamp, event.encodedDataLength]);
  });
  cdp.on('Network.loadingFinished', (event) => {
    touch();
    const entry = traffic.get(event.requestId);
    if (entry === undefined) return;
    entry.finishedAt = event.timestamp;
    entry.bytes = event.encodedDataLength;
  });
  cdp.on('Network.loadingFailed', (event) => {
    touch();
    const entry = traffic.get(event.requestId);
    if (entry === undefined) return;
    entry.finishedAt = event.timestamp;
    entry.failed = true;
    entry.bytes = sum(entry.chunks.map(([, bytes]) => bytes)) + entry.headerBytes;
  });
  return { traffic, lastEvent: () => last };
}

/**
 * Polls an expression from here: the page's CSP forbids the eval page.waitForFunction relies on,
 * and bypassing the CSP would measure another page than people get.
 */
async function until(page: Page, expression: string): Promise<void> {
  const deadline = performance.now() + VISIT_TIMEOUT_MS;
  while (!(await page.evaluate(expression))) {
    if (performance.now() > deadline) throw new Error(`still not true after ${VISIT_TIMEOUT_MS} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function visit(browser: Browser, url: string, profile: Profile): Promise<Visit> {
  // As openGallery opens one (test/e2e/browser.ts), but with CDP listening before the navigation.
  const context = await browser.newContext({ viewport: DESKTOP, reducedMotion: 'reduce', locale: 'en-US', timezoneId: 'UTC' });
  try {
    await context.addInitScript(RECORD_TILE_LOADS);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const { traffic, lastEvent } = watch(cdp);
    await cdp.send('Network.enable');
    if (profile.conditions !== undefined) await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile.conditions });
    await page.goto(`${url}/?user=${encodeURIComponent(USER)}`, { waitUntil: 'commit' });
    await until(page, `window.__tileLoads.length >= ${FIRST}`);
    const screenIds = (await page.evaluate(FIRST_SCREEN_IDS)) as string[];
    await until(page, `(${JSON.stringify(screenIds)}).every((id) => window.__tileLoads.some((load) => load.id === id))`);
    // Then until the network is quiet: lazy tiles below the fold, the next API pages.
    const deadline = performance.now() + VISIT_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const inFlight = [...traffic.values()].some((entry) => entry.finishedAt === undefined);
      if (!inFlight && performance.now() - lastEvent() > QUIET_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const loads = (await page.evaluate('window.__tileLoads')) as { at: number; src: string; id: string }[];
    const entries = [...traffic.values()];
    const finishedOf = (src: string): number => {
      const match = entries.find((entry) => entry.url === src && entry.finishedAt !== undefined);
      if (match === undefined) throw new Error(`no finished request seen for the tile image ${src}`);
      return match.finishedAt!;
    };
    const firstAt = finishedOf(loads[0]!.src);
    const twelfthAt = Math.max(...loads.slice(0, FIRST).map((load) => finishedOf(load.src)));
    const pageEntries = entries.filter((entry) => entry.kind === 'page');
    // CDP's clock, from the moment the page itself was asked for (navigation start, to a few ms).
    const asked = entries.find((entry) => entry.kind === 'page')!.sentAt;
    const since = (at: number): number => (at - asked) * 1000;
    const lists = entries.filter((entry) => entry.kind === 'api' && new URL(entry.url).pathname === '/images');
    return {
      milestones: {
        page: since(Math.max(...pageEntries.filter((entry) => entry.sentAt < lists[0]!.sentAt).map((entry) => entry.finishedAt ?? asked))),
        firstList: since(lists[0]!.finishedAt!),
        secondListAsked: lists[1] === undefined ? Number.NaN : since(lists[1].sentAt),
        thumbAsked: since(Math.min(...entries.filter((entry) => entry.kind === 'thumbnail').map((entry) => entry.sentAt))),
        thumbReceived: since(firstAt),
      },
      firstMs: loads[0]!.at,
      twelfthMs: loads[FIRST - 1]!.at,
      screenMs: Math.max(...screenIds.map((id) => loads.find((load) => load.id === id)!.at)),
      screenTiles: screenIds.length,
      beforeFirst: byKind(entries, (entry) => receivedBy(entry, firstAt)),
      requestsBeforeFirst: entries.filter((entry) => entry.sentAt <= firstAt).length,
      beforeTwelfth: sum(entries.map((entry) => receivedBy(entry, twelfthAt))),
      total: byKind(entries, (entry) => entry.bytes ?? 0),
      requests: byKind(entries, () => 1),
      apiPages: lists.length,
      tilesLoaded: loads.length,
      pageUrls: pageEntries.map((entry) => entry.url),
      pageEncodings: pageEntries.map((entry) => entry.encoding ?? 'identity'),
    };
  } finally {
    await context.close();
  }
}

// ---- report ----

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const ms = (value: number): string => `${Math.round(value)} ms`;

function row(label: string, values: number[], format: (value: number) => string): void {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} | ${format(median(values)).padStart(10)} | ${format(sorted[0]!).padStart(10)} | ${format(sorted.at(-1)!).padStart(10)}`);
}

function report(profile: Profile, visits: Visit[]): void {
  console.log(`\n-- ${profile.name}: ${visits.length} cold visits of /?user=${USER} at ${DESKTOP.width}x${DESKTOP.height}`);
  console.log(`${'metric'.padEnd(52)} | ${'median'.padStart(10)} | ${'min'.padStart(10)} | ${'max'.padStart(10)}`);
  const count = (value: number): string => String(value);
  row('time to the 1st thumbnail loaded', visits.map((v) => v.firstMs), ms);
  row(`time to ${FIRST} thumbnails loaded`, visits.map((v) => v.twelfthMs), ms);
  row(`time to the whole first screen loaded`, visits.map((v) => v.screenMs), ms);
  row('  tiles on the first screen', visits.map((v) => v.screenTiles), count);
  row('  timeline: page files received', visits.map((v) => v.milestones.page), ms);
  row('  timeline: 1st API page (GET /images) received', visits.map((v) => v.milestones.firstList), ms);
  row('  timeline: 2nd API page asked for', visits.map((v) => v.milestones.secondListAsked), ms);
  row('  timeline: 1st thumbnail asked for', visits.map((v) => v.milestones.thumbAsked), ms);
  row('  timeline: 1st thumbnail received', visits.map((v) => v.milestones.thumbReceived), ms);
  row('bytes before the 1st thumbnail, total', visits.map((v) => sum(Object.values(v.beforeFirst))), kb);
  for (const kind of KINDS) {
    const label = { page: 'page: HTML, JS, CSS, icon', api: 'API JSON', thumbnail: 'thumbnails (in flight included)', display: 'display variants', original: 'originals', other: 'other' }[kind];
    if (visits.some((v) => v.beforeFirst[kind] > 0) || kind === 'original') row(`  ${label}`, visits.map((v) => v.beforeFirst[kind]), kb);
  }
  row('  requests sent before the 1st thumbnail', visits.map((v) => v.requestsBeforeFirst), count);
  row(`bytes before ${FIRST} thumbnails`, visits.map((v) => v.beforeTwelfth), kb);
  row('whole visit until the network is quiet, bytes', visits.map((v) => sum(Object.values(v.total))), kb);
  row('  thumbnails loaded by then', visits.map((v) => v.tilesLoaded), count);
  row('  API list pages fetched (GET /images)', visits.map((v) => v.apiPages), count);
  row('  API JSON bytes', visits.map((v) => v.total.api), kb);
  row('  thumbnail requests', visits.map((v) => v.requests.thumbnail), count);
  row('  display-variant requests (expected 0)', visits.map((v) => v.requests.display), count);
  row('  ORIGINAL requests (must be 0)', visits.map((v) => v.requests.original), count);
  if (visits.some((v) => v.requests.other > 0)) row('  other requests', visits.map((v) => v.requests.other), count);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nGallery first screen: skipped (no Chromium at ${CHROMIUM}; apt-get install chromium)`);
    return;
  }
  const started = performance.now();
  const [server, browser] = await Promise.all([startGallery({ PROCESSING_CONCURRENCY: '2' }), launchChromium()]);
  try {
    await seed(server.url);
    const images: ApiImage[] = await listSettled(server.url, { user_id: USER }, 120_000);
    const ready = images.filter((image) => image.status === 'ready').length;
    const originals = images.map((image) => image.file_size);
    console.log(`\nGallery first screen, Chromium ${browser.version()}, node ${process.version}`);
    console.log(
      `seeded ${images.length} photos of ${WIDTH}x${HEIGHT} for ${USER} (${ready} ready) in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
        `originals ${kb(Math.min(...originals))} to ${kb(Math.max(...originals))}, median ${kb(median(originals))}`,
    );

    // The reference: what the first 12 tiles (the listing's order) weigh in each form.
    const first = images.slice(0, FIRST);
    const weigh = async (url: string | undefined): Promise<number> => (url === undefined ? 0 : (await (await fetch(url)).arrayBuffer()).byteLength);
    const thumbs = await Promise.all(first.map((image) => weigh(image.variants?.thumb.url)));
    const displays = await Promise.all(first.map((image) => weigh(image.variants?.display.url)));
    const originalBytes = sum(first.map((image) => image.file_size));
    console.log(
      `the first ${FIRST} photos weigh: originals ${mb(originalBytes)}, display variants ${mb(sum(displays))}, thumbnails ${kb(sum(thumbs))} ` +
        `(originals = ${(originalBytes / sum(thumbs)).toFixed(1)}x the thumbnails)`,
    );

    let shell: Visit | undefined;
    for (const profile of PROFILES) {
      const visits: Visit[] = [];
      for (let run = 0; run < WARMUP + RUNS; run += 1) {
        const result = await visit(browser, server.url, profile);
        if (run >= WARMUP) visits.push(result);
      }
      shell ??= visits[0];
      report(profile, visits);
    }

    if (shell !== undefined) {
      const bodies = await Promise.all(shell.pageUrls.map(async (url) => Buffer.from(await (await fetch(url)).arrayBuffer())));
      const encodings = [...new Set(shell.pageEncodings)].join(', ');
      console.log(
        `\npage files (${shell.pageUrls.map((url) => new URL(url).pathname).join(' ')}) served with content-encoding ${encodings}: ` +
          `${kb(sum(bodies.map((body) => body.length)))} of bodies; ${kb(sum(bodies.map((body) => gzipSync(body, { level: 9 }).length)))} gzipped`,
      );
    }
    // One list page as the grid asks for it, to see what each photo costs in JSON.
    const list = Buffer.from(await (await fetch(`${server.url}/images?user_id=${USER}&limit=20`)).arrayBuffer());
    console.log(`one API page of 20 photos (GET /images?limit=20): ${kb(list.length)}, ${(list.length / 20).toFixed(0)} bytes a photo; ${kb(gzipSync(list, { level: 9 }).length)} gzipped`);
    console.log(`gallery bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
