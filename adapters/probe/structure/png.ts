import { crc32 } from 'node:zlib';
import { fourcc, splice, u32be, u8 } from './bytes.ts';
import type { WalkEnd } from './bytes.ts';
import { exifOrientation, minimalExif } from './exif.ts';
import type { Structure } from './read-structure.ts';

const [IHDR, PLTE, IDAT, IEND] = [fourcc('IHDR'), fourcc('PLTE'), fourcc('IDAT'), fourcc('IEND')];
const [ACTL, FCTL, EXIF] = [fourcc('acTL'), fourcc('fcTL'), fourcc('eXIf')];
const MAX_LENGTH = 0x7fffffff;
const isLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isChunkType = (t: number) => isLetter(t >>> 24) && isLetter((t >>> 16) & 0xff) && isLetter((t >>> 8) & 0xff) && isLetter(t & 0xff);

/** `start` is the chunk's length field; its data is [start + 8, end - 4). A cut chunk is reported with `end` past b.length. */
type PngVisit = (type: number, start: number, end: number) => void;

/** Calls `visit` for each chunk after the signature, up to IEND, skipping each chunk by its length. */
function walkPng(b: Uint8Array, visit: PngVisit): WalkEnd {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength); // per-chunk reads: see bytes.ts
  for (let pos = 8; ;) {
    if (pos + 8 > b.length) return { how: 'cut' };
    const length = view.getUint32(pos);
    const type = view.getUint32(pos + 4);
    // libpng stops on a chunk type that is not four letters, so nothing after it is image.
    if (length > MAX_LENGTH || !isChunkType(type)) return { how: 'corrupt', at: pos };
    const end = pos + 12 + length;
    visit(type, pos, end);
    if (end > b.length) return { how: 'cut' };
    if (type === IEND) return { how: 'end', at: end };
    pos = end;
  }
}

const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

interface Header { width: number; height: number; colourType: number }

/** The IHDR fields, or undefined when libpng would refuse them (bad length, CRC, size or pixel format). */
function readIhdr(b: Uint8Array, start: number, end: number): Header | undefined {
  const data = start + 8;
  const [width, height] = [u32be(b, data), u32be(b, data + 4)];
  const [depth, colourType] = [u8(b, data + 8), u8(b, data + 9)];
  const valid = end - start === 25
    && crc32(b.subarray(start + 4, end - 4)) === u32be(b, end - 4)
    && width >= 1 && width <= MAX_LENGTH && height >= 1 && height <= MAX_LENGTH
    && (BIT_DEPTHS[colourType]?.includes(depth) ?? false)
    && u8(b, data + 10) === 0 && u8(b, data + 11) === 0 && u8(b, data + 12) <= 1;
  return valid ? { width, height, colourType } : undefined;
}

export function readPng(b: Uint8Array): Structure {
  let header: Header | undefined;
  let chunks = 0;
  let broken = false;
  let reason: string | undefined;
  let [palette, imageData] = [false, false];
  let declaredFrames: number | undefined;
  let frameControls = 0;
  let orientation: number | undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength); // per-chunk reads: see bytes.ts
  const walk = walkPng(b, (type, start, end) => {
    const data = start + 8;
    if (++chunks === 1 && type !== IHDR) reason ??= 'the first chunk is not IHDR';
    if (type === IHDR) {
      if (chunks > 1) reason ??= `a second IHDR at byte ${start} declares ${u32be(b, data)}x${u32be(b, data + 4)}`;
      header = end <= b.length ? readIhdr(b, start, end) : undefined;
      broken ||= header === undefined;
    } else if (type === IDAT) {
      // A palette image without PLTE before its data is refused by libpng.
      broken ||= header?.colourType === 3 && !palette;
      imageData = true;
    } else if (end > b.length || header === undefined) {
      // A cut chunk other than IDAT holds nothing to check.
    } else if (type === PLTE) {
      palette = true;
    } else if (type === ACTL && !imageData && end - data === 12) {
      declaredFrames = view.getUint32(data); // after IDAT an acTL is ignored: the file is a still PNG
    } else if (type === FCTL && end - data === 30) {
      const [w, h] = [view.getUint32(data + 4), view.getUint32(data + 8)];
      const [x, y] = [view.getUint32(data + 12), view.getUint32(data + 16)];
      frameControls++;
      if (w === 0 || h === 0 || x + w > header.width || y + h > header.height) {
        reason ??= `an APNG frame of ${w}x${h} at ${x},${y} falls outside the ${header.width}x${header.height} canvas`;
      } else if (!imageData && (w !== header.width || h !== header.height)) {
        // Before IDAT the frame is the still image itself, which must fill the canvas.
        reason ??= `the first APNG frame is ${w}x${h}, IHDR says ${header.width}x${header.height}`;
      }
    } else if (type === EXIF) {
      const value = exifOrientation(b, data, end - 4);
      // libpng reads eXIf before IDAT only; a reader that looks further would turn the image.
      if (imageData && value !== 1) reason ??= `an eXIf chunk after IDAT gives orientation ${value}`;
      else if (orientation !== undefined && value !== orientation) reason ??= `two eXIf chunks give orientations ${orientation} and ${value}`;
      if (!imageData) orientation ??= value;
    }
  });
  if (declaredFrames !== undefined && walk.how === 'end' && declaredFrames !== frameControls) {
    reason ??= `acTL declares ${declaredFrames} frames, the file holds ${frameControls}`;
  }
  if (reason !== undefined) return { kind: 'inconsistent', format: 'png', reason };
  if (walk.how === 'corrupt' || broken || header === undefined || !imageData) return { kind: 'unreadable', format: 'png' };
  const frames = Math.max(1, declaredFrames ?? 1);
  return { kind: 'image', format: 'png', width: header.width, height: header.height, orientation: orientation ?? 1, frames };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  view.setUint32(4, fourcc(type));
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Ancillary chunks that change how the pixels look (colour, transparency, aspect, animation); every
 * other ancillary chunk is dropped, known or not: text, time, EXIF, and private chunks of any content.
 */
const APPEARANCE = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'cICP', 'mDCV', 'cLLI', 'acTL', 'fcTL', 'fdAT'].map(fourcc));
/** An uppercase first letter marks a critical chunk: a decoder that does not know it must fail, so it stays. */
const isCritical = (type: number) => (type & 0x20000000) === 0;

export function scrubPng(b: Uint8Array): Uint8Array {
  return splice(b, (edit) => {
    edit.keep(0, 8);
    let [exifSeen, imageData] = [false, false];
    const walk = walkPng(b, (type, start, end) => {
      imageData ||= type === IDAT;
      if (type === EXIF && !exifSeen && !imageData) {
        exifSeen = true;
        const orientation = exifOrientation(b, start + 8, Math.min(end - 4, b.length));
        if (orientation !== 1) edit.add(chunk('eXIf', minimalExif(orientation)));
      } else if (isCritical(type) || APPEARANCE.has(type)) {
        edit.keep(start, Math.min(end, b.length));
      }
    });
    if (walk.how === 'corrupt') edit.keep(walk.at, b.length);
  });
}
