// Time to read the structure of, and to scrub the metadata from, hostile files at the 10 MiB
// upload limit. The service claims a hostile file cannot make either slow: the body is wholly in
// memory first, and neither decodes pixels. What a parser can still be made to do is walk the
// buffer in tiny steps, so each construction packs as many of the smallest structures a format
// allows as fit in 10 MiB. Run with `npm run bench`; it asserts nothing.
import { performance } from 'node:perf_hooks';
import { StructureProbe } from '../adapters/probe/structure-probe.ts';
import { formatOf } from '../adapters/probe/structure/read-structure.ts';
import { scrubMetadata } from '../adapters/probe/structure/scrub-metadata.ts';
import { LIMITS } from '../core/rules.ts';
import { COSTLY_FILES } from '../test/support/costly-images.ts';
import { PNG_SIGNATURE, headerClaimingDimensions, losslessWebp, makeImage, pngChunk, pngClaimingDimensions } from '../test/support/images.ts';

const RUNS = 25;
// Unrecorded runs, so the median is the JIT-compiled parser; the very first run is shown apart.
const WARMUP = 3;
const SLOW_MS = 100;
const MAX = LIMITS.maxFileBytes;

/** `count` copies of `unit`: copying is far cheaper than encoding a million units one by one. */
function repeated(unit: Buffer, count: number): Buffer {
  const out = Buffer.alloc(unit.length * count);
  for (let at = 0; at < out.length; at += unit.length) unit.copy(out, at);
  return out;
}

// ---- JPEG ----

const smallJpeg = (): Buffer => makeImage({ width: 640, height: 480, format: 'jpeg' });

/** SOI, then empty COM segments (FF FE 00 02), then the rest of a real JPEG after its SOI. */
function jpegTinySegments(): Buffer {
  const image = smallJpeg();
  const gap = MAX - image.length;
  // Up to 3 fill bytes make the total exact; a marker may be preceded by any number of them.
  return Buffer.concat([image.subarray(0, 2), repeated(Buffer.from([0xff, 0xfe, 0x00, 0x02]), Math.floor(gap / 4)), Buffer.alloc(gap % 4, 0xff), image.subarray(2)]);
}

/** SOI and nothing but 0xFF after it: fill bytes the parser must step over one at a time, with no marker ever coming. */
function jpegMarkerPadding(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(MAX - 2, 0xff)]);
}

/**
 * SOI, then minimal APP1 segments that carry an Exif header, then a real JPEG: probe-image-size
 * starts an orientation parser for each one, the costliest thing it does per segment.
 */
function jpegTinyExifSegments(): Buffer {
  const image = smallJpeg();
  // The shortest APP1 it takes for Exif (10 bytes after the length): "Exif\0\0" and half a TIFF header.
  const app1 = Buffer.from([0xff, 0xe1, 0x00, 0x0c, ...Buffer.from('Exif\0\0II*\0', 'latin1')]);
  const gap = MAX - image.length;
  return Buffer.concat([image.subarray(0, 2), repeated(app1, Math.floor(gap / app1.length)), fill(gap % app1.length), image.subarray(2)]);
}

/** The bytes left after the last whole segment: fill bytes if under 4, else one COM segment. */
function fill(bytes: number): Buffer {
  if (bytes < 4) return Buffer.alloc(bytes, 0xff);
  const com = Buffer.alloc(bytes, 0x20);
  com.set([0xff, 0xfe], 0);
  com.writeUInt16BE(bytes - 2, 2);
  return com;
}

// ---- PNG ----

/** Empty ancillary 'paDd' chunks filling `gap` bytes: 12 each, one of them longer by the remainder. */
function pngPadding(gap: number): Buffer {
  const count = Math.floor(gap / 12);
  return Buffer.concat([repeated(pngChunk('paDd', Buffer.alloc(0)), count - 1), pngChunk('paDd', Buffer.alloc(gap % 12))]);
}

/** IHDR must come first, so the tiny chunks go between IHDR and IDAT, where a reader looking for acTL must walk them. */
function pngTinyChunksAfterIhdr(): Buffer {
  const image = makeImage({ width: 640, height: 480, format: 'png' });
  const afterIhdr = 8 + 25;
  return Buffer.concat([image.subarray(0, afterIhdr), pngPadding(MAX - image.length), image.subarray(afterIhdr)]);
}

/** The illegal order, to see that a reader refuses it rather than walking on to find IHDR. */
function pngTinyChunksBeforeIhdr(): Buffer {
  const image = makeImage({ width: 640, height: 480, format: 'png' });
  return Buffer.concat([PNG_SIGNATURE, pngPadding(MAX - image.length), image.subarray(8)]);
}

// ---- GIF ----

/**
 * Comment extensions between the colour table and the image: empty ones (21 FE 00, 3 bytes) and one
 * of 5 to 7 bytes to make the total exact.
 */
function gifCommentChain(): Buffer {
  const image = makeImage({ width: 640, height: 480, format: 'gif' });
  const afterPalette = 13 + 12;
  const gap = MAX - image.length;
  const empties = Math.floor((gap - 5) / 3);
  const lastData = gap - 3 * empties - 4;
  const last = Buffer.concat([Buffer.from([0x21, 0xfe, lastData]), Buffer.alloc(lastData, 0x2e), Buffer.from([0])]);
  return Buffer.concat([image.subarray(0, afterPalette), repeated(Buffer.from([0x21, 0xfe, 0x00]), empties), last, image.subarray(afterPalette)]);
}

// ---- WebP ----

function riff(chunks: Buffer[]): Buffer {
  const out = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), ...chunks]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

function riffChunkHeader(fourcc: string, length: number): Buffer {
  const out = Buffer.alloc(8);
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(length, 4);
  return out;
}

/** The simple layout allows no other chunk, but a reader that skips unknown chunks will skip one here. */
function webpHugeChunkBeforeVp8l(): Buffer {
  const vp8l = losslessWebp(640, 480).subarray(12);
  const data = MAX - 12 - vp8l.length - 8;
  return riff([riffChunkHeader('XPAD', data), Buffer.alloc(data), vp8l]);
}

/**
 * Empty unknown chunks (8 bytes each) after VP8X and VP8L, where the extended layout allows them:
 * probe-image-size has its dimensions by then but reads on, chunk by chunk, looking for EXIF.
 */
function webpTinyChunksAfterHeader(): Buffer {
  const image = makeImage({ width: 640, height: 480, format: 'webp' });
  const gap = MAX - image.length;
  // The remainder is even (both sizes are), so one chunk 2, 4 or 6 bytes longer absorbs it.
  const last = Buffer.concat([riffChunkHeader('XPAD', gap % 8), Buffer.alloc(gap % 8)]);
  return riff([image.subarray(12), repeated(riffChunkHeader('XPAD', 0), Math.floor(gap / 8) - 1), last]);
}

/** Zero bytes between chunks, inside the RIFF size: probe-image-size skips them as padding one byte at a time. */
function webpZeroPadding(): Buffer {
  const image = makeImage({ width: 640, height: 480, format: 'webp' });
  return riff([image.subarray(12), Buffer.alloc(MAX - image.length)]);
}

// ---- others ----

/**
 * Not a format the service accepts, but the probe runs before the format is checked: an ISO-BMFF
 * ftyp box of brand avif and then empty 'free' boxes, which probe-image-size walks one by one
 * looking for 'meta'.
 */
function avifTinyBoxes(): Buffer {
  const ftyp = Buffer.from('\0\0\0\x18ftypavif\0\0\0\0avifmif1', 'latin1');
  const gap = MAX - ftyp.length;
  const box = (length: number) => {
    const out = Buffer.alloc(length);
    out.writeUInt32BE(length, 0);
    out.write('free', 4, 'latin1');
    return out;
  };
  return Buffer.concat([ftyp, repeated(box(8), Math.floor(gap / 8) - 1), box(8 + (gap % 8))]);
}

/** A fixed seed (mulberry32), so every run measures the same bytes. */
function randomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

const CONSTRUCTIONS: Array<[name: string, build: () => Buffer]> = [
  ['JPEG, normal (64 KiB COM segments)', () => makeImage({ width: 640, height: 480, format: 'jpeg', size: MAX })],
  ['JPEG, 2.6M empty COM segments before SOF', jpegTinySegments],
  ['JPEG, SOI then 0xFF fill bytes only', jpegMarkerPadding],
  ['JPEG, 749k minimal Exif APP1 before SOF', jpegTinyExifSegments],
  ['PNG, normal (one big chunk after IDAT)', () => makeImage({ width: 640, height: 480, format: 'png', size: MAX })],
  ['PNG, 874k empty chunks after IHDR', pngTinyChunksAfterIhdr],
  ['PNG, 874k empty chunks before IHDR', pngTinyChunksBeforeIhdr],
  ['GIF, normal (one big comment)', () => makeImage({ width: 640, height: 480, format: 'gif', size: MAX })],
  ['GIF, 3.5M empty comment extensions', gifCommentChain],
  ['WebP, normal (one big chunk after VP8L)', () => makeImage({ width: 640, height: 480, format: 'webp', size: MAX })],
  ['WebP, one huge chunk before VP8L', webpHugeChunkBeforeVp8l],
  ['WebP, 1.3M empty chunks after VP8X', webpTinyChunksAfterHeader],
  ['WebP, 10 MiB of zeros after VP8L', webpZeroPadding],
  ['AVIF brand, 1.3M empty free boxes', avifTinyBoxes],
  ['random bytes', () => randomBytes(MAX, 0x5eed)],
  ['PNG 2 KiB declaring 50000x50000', () => pngClaimingDimensions(50_000, 50_000)],
  ['JPEG 2 KiB declaring 30000x30000', () => headerClaimingDimensions('jpeg', 30_000, 30_000)],
  ['GIF 2 KiB declaring 65535x65535', () => headerClaimingDimensions('gif', 65_535, 65_535)],
  ['WebP 2 KiB declaring 16383x16383', () => headerClaimingDimensions('webp', 16_383, 16_383)],
  // The ones the structure reader's tests check for correctness.
  ...COSTLY_FILES.map(({ name, build }): [string, () => Buffer] => [name, build]),
];

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeRuns(run: () => unknown): Promise<{ first: number; times: number[] }> {
  let first = 0;
  const times: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i += 1) {
    const start = performance.now();
    await run();
    const elapsed = performance.now() - start;
    if (i === 0) first = elapsed;
    if (i >= WARMUP) times.push(elapsed);
  }
  return { first, times };
}

interface Row {
  name: string;
  bytes: number;
  result: string;
  first: number;
  median: number;
  max: number;
  scrub: number;
}

const probe = new StructureProbe();
const rows: Row[] = [];
for (const [name, build] of CONSTRUCTIONS) {
  const bytes = build();
  const probed = await probe.probe(bytes);
  const whole = await timeRuns(() => probe.probe(bytes));
  const format = formatOf(bytes);
  // Only files the probe accepts are ever scrubbed.
  const scrub = format === undefined || probed.width === undefined ? undefined : await timeRuns(async () => scrubMetadata(bytes, format));
  rows.push({
    name,
    bytes: bytes.length,
    result: `${probed.contentType ?? 'unknown'}${probed.width === undefined ? ', no size' : ` ${probed.width}x${probed.height}`}`,
    first: whole.first,
    median: median(whole.times),
    max: Math.max(...whole.times),
    scrub: scrub === undefined ? Number.NaN : median(scrub.times),
  });
}

const ms = (value: number): string => value.toFixed(2).padStart(8);
console.log(`StructureProbe.probe on hostile files, ${RUNS} runs after ${WARMUP} warm-up runs, node ${process.version}`);
console.log(`${'construction'.padEnd(42)} | ${'bytes'.padStart(8)} | ${'probe result'.padEnd(28)} | ${'1st ms'.padStart(8)} | ${'med ms'.padStart(8)} | ${'max ms'.padStart(8)} | scrub med ms`);
for (const row of rows) {
  console.log(`${row.name.padEnd(42)} | ${String(row.bytes).padStart(8)} | ${row.result.padEnd(28)} | ${ms(row.first)} | ${ms(row.median)} | ${ms(row.max)} | ${Number.isNaN(row.scrub) ? '  (refused)' : ms(row.scrub)}`);
}

const worst = rows.reduce((a, b) => (b.max > a.max ? b : a));
const slowest = rows.reduce((a, b) => (b.median > a.median ? b : a));
console.log(`\nworst single run: ${worst.name}, ${worst.max.toFixed(2)} ms (median ${worst.median.toFixed(2)} ms)`);
console.log(`worst median: ${slowest.name}, ${slowest.median.toFixed(2)} ms`);
const slow = rows.filter((row) => Math.max(row.first, row.max) > SLOW_MS);
console.log(slow.length === 0 ? `every construction stayed under ${SLOW_MS} ms per probe, cold first runs included` : `over ${SLOW_MS} ms: ${slow.map((row) => row.name).join('; ')}`);
