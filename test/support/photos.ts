// Realistic photos for the image pipeline, made at run time: pixels generated here and encoded by sharp,
// metadata written by exiftool (so what a test expects gone was put there by a tool nobody on the
// project wrote).
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { IDENTIFYING_ASSIGNMENTS, writeTags } from './exiftool.ts';

/** The phone photo is stored landscape and displayed portrait. */
const PHONE = { storedWidth: 600, storedHeight: 400 } as const;

type Colour = { r: number; g: number; b: number };

/** The colour of the marked half, as stored (in the phone photo, Display P3 values). */
export const MARK: Colour = { r: 201, g: 60, b: 40 };

/**
 * Noise (which no encoder shrinks much, like a real photo) with the left half of the stored pixels
 * flat MARK, so where that half ends up after rotation shows which way the image was turned.
 * Seeded xorshift rather than sharp's gaussian noise, which is slow at photo sizes.
 */
function markedNoise(width: number, height: number, seed: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  let state = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      if (x < width / 2) {
        raw[at] = MARK.r;
        raw[at + 1] = MARK.g;
        raw[at + 2] = MARK.b;
        continue;
      }
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      // Three channels from one draw, around mid-grey.
      raw[at] = 64 + (state & 0x7f);
      raw[at + 1] = 64 + ((state >>> 8) & 0x7f);
      raw[at + 2] = 64 + ((state >>> 16) & 0x7f);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

let p3: Promise<Buffer> | undefined;
/** libvips' Display P3 profile, as sharp embeds it. */
const displayP3Profile = (): Promise<Buffer> =>
  (p3 ??= sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).withIccProfile('p3').jpeg().toBuffer()
    .then(async (bytes) => (await sharp(bytes).metadata()).icc!));

/**
 * What a phone sends: a 600x400 JPEG (stored landscape) with EXIF Orientation 6 (shown portrait,
 * 400x600), a Display P3 profile, and GPS, camera, serial numbers, owner, XMP, IPTC and a comment,
 * all written by exiftool. The pixel values are stored as they are, so they mean P3 colours.
 */
export async function phonePhoto(seed = 0): Promise<Buffer> {
  const pixels = await markedNoise(PHONE.storedWidth, PHONE.storedHeight, seed).jpeg({ quality: 90 }).toBuffer();
  return writeTags(pixels, 'jpg', [...IDENTIFYING_ASSIGNMENTS, '-Orientation#=6'], await displayP3Profile());
}

/**
 * Display P3 to sRGB by the published matrix (both D65, both with the sRGB transfer curve), clipped:
 * the colour a colour-managed viewer shows for P3 values, worked out without any image library.
 */
export function p3ToSrgb({ r, g, b }: Colour): Colour {
  const linear = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const encoded = (v: number) => 255 * Math.min(1, Math.max(0, v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055));
  const [lr, lg, lb] = [linear(r), linear(g), linear(b)];
  return {
    r: encoded(1.2249401 * lr - 0.2249404 * lg),
    g: encoded(-0.0420569 * lr + 1.0420571 * lg),
    b: encoded(-0.0196376 * lr - 0.0786361 * lg + 1.0982735 * lb),
  };
}

/** Whether two colours are within `tolerance` on every channel (lossy encoders move flat colours a little). */
export const near = (a: Colour, b: Colour, tolerance = 6): boolean =>
  Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;

/** A JPEG of `width` x `height` noise with no metadata at all: nothing for the scrub to remove. */
export async function plainPhoto(width: number, height: number, seed = 0): Promise<Buffer> {
  return markedNoise(width, height, seed).jpeg({ quality: 80 }).toBuffer();
}

/**
 * The phone photo's pixels as a PNG or WebP turned by EXIF orientation 6, or as a GIF (which has no
 * orientation), with as much of the phone's metadata as exiftool can write into that format.
 */
export async function taggedPhoto(format: 'png' | 'webp' | 'gif', seed = 0): Promise<Buffer> {
  const image = markedNoise(PHONE.storedWidth, PHONE.storedHeight, seed);
  const pixels = format === 'png' ? image.png() : format === 'webp' ? image.webp({ quality: 80 }) : image.gif();
  return writeTags(await pixels.toBuffer(), format, [...IDENTIFYING_ASSIGNMENTS, ...(format === 'gif' ? [] : ['-Orientation#=6'])]);
}

/** The top half of frame k of smallAnimation is FRAME_COLOURS[k]. */
export const FRAME_COLOURS: readonly Colour[] = [
  { r: 230, g: 30, b: 30 }, { r: 30, g: 200, b: 40 }, { r: 40, g: 60, b: 220 }, { r: 240, g: 220, b: 40 }, { r: 200, g: 40, b: 220 }, { r: 40, g: 220, b: 220 },
];

/**
 * A real animation made by sharp: `frames` frames of `width` x `height` (at most six), the top half of
 * frame k flat FRAME_COLOURS[k] and the bottom half stripes all frames share; looping, 100 ms per
 * frame. An EXIF orientation is written when given.
 */
export async function smallAnimation(format: 'gif' | 'webp', width: number, height: number, frames: number, orientation?: number): Promise<Buffer> {
  const page = width * height * 3;
  const raw = Buffer.alloc(page * frames);
  for (let frame = 0; frame < frames; frame++) {
    const { r, g, b } = FRAME_COLOURS[frame]!;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = frame * page + (y * width + x) * 3;
        const stripe = Math.floor(x / 16) % 3; // few colours: a GIF encoder quantises them at once
        const pixel = y < height / 2 ? [r, g, b] : [stripe * 100, 200 - stripe * 80, 60 + stripe * 50];
        raw.set(pixel, at);
      }
    }
  }
  let image = sharp(raw, { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
  if (orientation !== undefined) image = image.withMetadata({ orientation });
  const delay = new Array<number>(frames).fill(100);
  return format === 'gif' ? image.gif({ loop: 0, delay }).toBuffer() : image.webp({ loop: 0, delay, quality: 90 }).toBuffer();
}

/** The raw pixels a decoder reads from the bytes, as stored (no rotation), every frame. */
export async function decodedPixels(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes, { pages: -1 }).raw().toBuffer();
}

/** Frames, size of one frame and format, as sharp reads them. */
export async function described(bytes: Uint8Array): Promise<{ format: string | undefined; frames: number; width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  return { format: meta.format, frames: meta.pages ?? 1, width: meta.width, height: meta.height };
}

/** The mean colour of a band of the decoded (orientation applied) image, or of one frame of it: the top or bottom fifth. */
export async function bandColour(bytes: Uint8Array, band: 'top' | 'bottom', frame = 0): Promise<Colour> {
  const { data, info } = await sharp(bytes, { page: frame }).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rows = Math.max(1, Math.floor(info.height / 5));
  const first = band === 'top' ? 0 : info.height - rows;
  const sum = [0, 0, 0];
  for (let y = first; y < first + rows; y++) {
    for (let x = 0; x < info.width; x++) for (let c = 0; c < 3; c++) sum[c]! += data[(y * info.width + x) * info.channels + c]!;
  }
  const n = rows * info.width;
  return { r: sum[0]! / n, g: sum[1]! / n, b: sum[2]! / n };
}

/** A decodable header over data cut short: the structural probe accepts it, a decoder fails at the cut. */
export async function truncatedPhoto(): Promise<Buffer> {
  const whole = await plainPhoto(600, 400, 7);
  return whole.subarray(0, Math.floor(whole.length * 0.6));
}
