// Real images made by sharp at run time, the places in them a test needs (found by walking each
// format's blocks independently of the code under test), and files that lie about themselves, made by
// byte surgery on real ones.
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PNG_SIGNATURE, makeImage, pngChunk } from './images.ts';
import type { TestFormat } from './images.ts';

export interface RealImage { name: string; format: TestFormat; bytes: Buffer }

const [WIDTH, HEIGHT, PAGES] = [64, 48, 3];

/** Deterministic RGB(A) noise-ish pixels, different on every page so animated encoders keep every frame. */
function pixels(channels: 3 | 4, pages = 1): Buffer {
  const out = Buffer.alloc(WIDTH * HEIGHT * pages * channels);
  for (let i = 0; i < out.length; i++) out[i] = (i * 37 + Math.floor(i / (WIDTH * HEIGHT * channels)) * 71 + (i >> 7) * 13) & 0xff;
  return out;
}

const still = (channels: 3 | 4 = 3) => sharp(pixels(channels), { raw: { width: WIDTH, height: HEIGHT, channels } });
const animated = () => sharp(pixels(4, PAGES), { raw: { width: WIDTH, height: HEIGHT * PAGES, channels: 4, pageHeight: HEIGHT } });
const rotated = (channels: 3 | 4 = 3) => still(channels).withMetadata({ orientation: 6 }).withIccProfile('p3');

/** One of every kind of file the reader must understand, all WIDTH x HEIGHT. */
export async function realImages(): Promise<RealImage[]> {
  const made: Array<[string, TestFormat, Promise<Buffer>]> = [
    ['baseline jpeg', 'jpeg', still().jpeg().toBuffer()],
    ['progressive jpeg', 'jpeg', still().jpeg({ progressive: true }).toBuffer()],
    ['jpeg with orientation 6 and a P3 profile', 'jpeg', rotated().jpeg().toBuffer()],
    ['progressive jpeg with orientation 8', 'jpeg', still().withMetadata({ orientation: 8 }).jpeg({ progressive: true }).toBuffer()],
    ['cmyk jpeg (Adobe APP14)', 'jpeg', still().toColourspace('cmyk').jpeg().toBuffer()],
    ['rgb png', 'png', still().png().toBuffer()],
    ['rgba png', 'png', still(4).png().toBuffer()],
    ['palette png', 'png', still().png({ palette: true }).toBuffer()],
    ['interlaced png with orientation 6 and a P3 profile', 'png', rotated().png({ progressive: true }).toBuffer()],
    ['gif', 'gif', still().gif().toBuffer()],
    ['animated gif', 'gif', animated().gif({ loop: 0 }).toBuffer()],
    ['lossy webp (VP8)', 'webp', still().webp().toBuffer()],
    ['lossless webp (VP8L)', 'webp', still().webp({ lossless: true }).toBuffer()],
    ['lossy webp with alpha (VP8X, ALPH)', 'webp', still(4).webp().toBuffer()],
    ['lossless webp with a P3 profile (VP8X, VP8L)', 'webp', still(4).withIccProfile('p3').webp({ lossless: true }).toBuffer()],
    ['webp with orientation 6 and a P3 profile', 'webp', rotated().webp().toBuffer()],
    ['animated webp', 'webp', animated().webp({ loop: 0 }).toBuffer()],
  ];
  return Promise.all(made.map(async ([name, format, bytes]) => ({ name, format, bytes: await bytes })));
}

// ---- where things are ----

export interface Block { type: string; start: number; end: number }

/** JPEG header segments up to and including the first SOS (type is the marker code in hex). */
export function jpegHeaderSegments(jpeg: Buffer): Block[] {
  const out: Block[] = [];
  for (let pos = 2; pos < jpeg.length;) {
    const marker = jpeg[pos + 1]!;
    const end = pos + 2 + jpeg.readUInt16BE(pos + 2);
    out.push({ type: marker.toString(16), start: pos, end });
    if (marker === 0xda) return out;
    pos = end;
  }
  throw new Error('no SOS in this JPEG');
}

export function pngChunks(png: Buffer): Block[] {
  const out: Block[] = [];
  for (let pos = 8; pos + 8 <= png.length;) {
    const end = pos + 12 + png.readUInt32BE(pos);
    out.push({ type: png.toString('latin1', pos + 4, pos + 8), start: pos, end });
    pos = end;
  }
  return out;
}

/** RIFF chunks in [from, to), by default the top-level ones of a WebP. */
export function riffChunks(webp: Buffer, from = 12, to = webp.length): Block[] {
  const out: Block[] = [];
  for (let pos = from; pos + 8 <= to;) {
    const size = webp.readUInt32LE(pos + 4);
    out.push({ type: webp.toString('latin1', pos, pos + 4), start: pos, end: pos + 8 + size + (size % 2) });
    pos += 8 + size + (size % 2);
  }
  return out;
}

/** GIF blocks after the global colour table: '2c' images (up to their LZW code size byte only), '21xx' extensions. */
export function gifBlocks(gif: Buffer): Block[] {
  const table = (packed: number) => (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  const subBlocks = (pos: number) => {
    while (gif[pos] !== 0) pos += gif[pos]! + 1;
    return pos + 1;
  };
  const out: Block[] = [];
  for (let pos = 13 + table(gif[10]!); gif[pos] !== 0x3b;) {
    if (gif[pos] === 0x2c) {
      const data = pos + 10 + table(gif[pos + 9]!) + 1;
      out.push({ type: '2c', start: pos, end: data });
      pos = subBlocks(data);
    } else {
      const end = subBlocks(pos + 2);
      out.push({ type: `21${gif[pos + 1]!.toString(16)}`, start: pos, end });
      pos = end;
    }
  }
  return out;
}

const first = (blocks: Block[], type: string): Block => {
  const found = blocks.find((block) => block.type === type);
  if (found === undefined) throw new Error(`no ${type} block`);
  return found;
};

/** The byte count below which the file no longer holds the header a decoder needs before any pixel. */
export function headerEnd(image: RealImage): number {
  const { bytes } = image;
  switch (image.format) {
    case 'jpeg': return first(jpegHeaderSegments(bytes), 'da').end;
    case 'png': return first(pngChunks(bytes), 'IDAT').start + 8;
    case 'gif': return first(gifBlocks(bytes), '2c').end;
    case 'webp': {
      const chunks = riffChunks(bytes);
      const frame = chunks.find((chunk) => chunk.type === 'ANMF');
      const inner = frame ? riffChunks(bytes, frame.start + 24, frame.end) : chunks;
      const bitstream = inner.find((chunk) => chunk.type === 'VP8 ' || chunk.type === 'VP8L')!;
      return bitstream.start + 8 + (bitstream.type === 'VP8 ' ? 10 : 5);
    }
  }
}

const insert = (bytes: Buffer, at: number, part: Buffer) => Buffer.concat([bytes.subarray(0, at), part, bytes.subarray(at)]);

// ---- JPEG ----

/** A copy of the file's own SOF segment declaring another size, inserted before the first SOS or before EOI. */
export function jpegWithSecondSof(jpeg: Buffer, where: 'before the first scan' | 'after the first scan', width: number, height: number): Buffer {
  const segments = jpegHeaderSegments(jpeg);
  const sof = segments.find((s) => /^c[0-3]$/.test(s.type))!;
  const copy = Buffer.from(jpeg.subarray(sof.start, sof.end));
  copy.writeUInt16BE(height, 5);
  copy.writeUInt16BE(width, 7);
  return insert(jpeg, where === 'before the first scan' ? first(segments, 'da').start : jpeg.lastIndexOf(Buffer.from([0xff, 0xd9])), copy);
}

/** Inserts a segment between the first and the second scan (a raw search is safe: entropy data never holds FF DA). */
export function jpegBetweenScans(progressive: Buffer, segment: Buffer): Buffer {
  const secondScan = progressive.indexOf(Buffer.from([0xff, 0xda]), first(jpegHeaderSegments(progressive), 'da').end);
  return insert(progressive, secondScan, segment);
}

export function jpegWithSofBetweenScans(progressive: Buffer, width: number, height: number): Buffer {
  const sof = first(jpegHeaderSegments(progressive), 'c2');
  const copy = Buffer.from(progressive.subarray(sof.start, sof.end));
  copy.writeUInt16BE(height, 5);
  copy.writeUInt16BE(width, 7);
  return jpegBetweenScans(progressive, copy);
}

/** A JPEG segment: marker then length then payload. */
export function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Height 0 in the SOF: "the height comes later, in a DNL marker", which browsers and libjpeg do not follow. */
export function jpegWithHeightZero(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  out.writeUInt16BE(0, jpegHeaderSegments(jpeg).find((s) => /^c[0-3]$/.test(s.type))!.start + 5);
  return out;
}

/** An APP1 EXIF segment with a TIFF block written here by hand, in either byte order. */
export function exifSegment(orientation: number, order: 'II' | 'MM'): Buffer {
  const tiff = Buffer.alloc(26);
  const [u16, u32] = order === 'II' ? ['writeUInt16LE', 'writeUInt32LE'] as const : ['writeUInt16BE', 'writeUInt32BE'] as const;
  tiff.write(order, 0, 'latin1');
  tiff[u16](42, 2);
  tiff[u32](8, 4);
  tiff[u16](1, 8);
  tiff[u16](0x0112, 10);
  tiff[u16](3, 12);
  tiff[u32](1, 14);
  tiff[u16](orientation, 18);
  return jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));
}

export const jpegWithSegment = (jpeg: Buffer, segment: Buffer): Buffer => insert(jpeg, 2, segment);

// ---- PNG ----

const ihdr = (width: number, height: number) => {
  const data = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0]);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  return pngChunk('IHDR', data);
};

export function pngWithSecondIhdr(png: Buffer, where: 'after IHDR' | 'after IDAT', width: number, height: number): Buffer {
  const chunks = pngChunks(png);
  const at = where === 'after IHDR' ? first(chunks, 'IHDR').end : chunks.filter((c) => c.type === 'IDAT').at(-1)!.end;
  return insert(png, at, ihdr(width, height));
}

export const pngWithChunkBeforeIhdr = (png: Buffer): Buffer => insert(png, 8, pngChunk('tEXt', Buffer.from('Title\0first', 'latin1')));

export function pngWithChunk(png: Buffer, chunk: Buffer, where: 'after IHDR' | 'before IEND' = 'after IHDR'): Buffer {
  return insert(png, where === 'after IHDR' ? first(pngChunks(png), 'IHDR').end : first(pngChunks(png), 'IEND').start, chunk);
}

export interface ApngFrame { width: number; height: number; x: number; y: number }

/**
 * An 8-bit greyscale APNG whose first frame is the IHDR image. fcTL and fdAT share one sequence,
 * as the format wants; `declaredFrames` lets the acTL lie about the count.
 */
export function apng(width: number, height: number, frames: ApngFrame[], declaredFrames = frames.length): Buffer {
  const rows = (w: number, h: number, shade: number) => deflateSync(Buffer.concat(Array.from({ length: h }, () => Buffer.from([0, ...new Array<number>(w).fill(shade)]))));
  const u32s = (...values: number[]) => Buffer.concat(values.map((v) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff])));
  const grey = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0]);
  grey.writeUInt32BE(width, 0);
  grey.writeUInt32BE(height, 4);
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', grey), pngChunk('acTL', u32s(declaredFrames, 0))];
  let sequence = 0;
  frames.forEach((frame, i) => {
    const control = Buffer.concat([u32s(sequence++, frame.width, frame.height, frame.x, frame.y), Buffer.from([0, 1, 0, 10, 0, 0])]);
    parts.push(pngChunk('fcTL', control));
    const data = rows(frame.width, frame.height, 40 + 60 * i);
    parts.push(i === 0 ? pngChunk('IDAT', data) : pngChunk('fdAT', Buffer.concat([u32s(sequence++), data])));
  });
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

// ---- GIF ----

/** A big GIF (hand-encoded, so instant) whose logical screen claims to be small. */
export function gifWithSmallScreen(frameWidth: number, frameHeight: number, screenWidth: number, screenHeight: number): Buffer {
  const gif = makeImage({ width: frameWidth, height: frameHeight, format: 'gif' });
  gif.writeUInt16LE(screenWidth, 6);
  gif.writeUInt16LE(screenHeight, 8);
  return gif;
}

export function gifWithFrameAt(gif: Buffer, frameIndex: number, left: number, top: number): Buffer {
  const out = Buffer.from(gif);
  const image = gifBlocks(gif).filter((block) => block.type === '2c')[frameIndex]!;
  out.writeUInt16LE(left, image.start + 1);
  out.writeUInt16LE(top, image.start + 3);
  return out;
}

/** An extension block: introducer, label, then `data` as sub-blocks. */
export function gifExtension(label: number, data: Buffer): Buffer {
  const blocks: Buffer[] = [Buffer.from([0x21, label])];
  for (let i = 0; i < data.length; i += 255) blocks.push(Buffer.from([Math.min(255, data.length - i)]), data.subarray(i, i + 255));
  return Buffer.concat([...blocks, Buffer.from([0])]);
}

export const gifWithBlock = (gif: Buffer, block: Buffer): Buffer => insert(gif, first(gifBlocks(gif), '2c').start, block);

// ---- WebP ----

const fixRiffSize = (webp: Buffer) => (webp.writeUInt32LE(webp.length - 8, 4), webp);

export function webpWithCanvas(webp: Buffer, width: number, height: number): Buffer {
  if (first(riffChunks(webp), 'VP8X').start !== 12) throw new Error('not an extended WebP');
  const out = Buffer.from(webp);
  out.writeUIntLE(width - 1, 24, 3);
  out.writeUIntLE(height - 1, 27, 3);
  return out;
}

/** Rewrites the 14-bit sizes in the VP8 key frame header (after the start code 9d 01 2a). */
export function webpWithVp8Size(webp: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(webp);
  const vp8 = first(riffChunks(webp), 'VP8 ');
  out.writeUInt16LE(width, vp8.start + 8 + 6);
  out.writeUInt16LE(height, vp8.start + 8 + 8);
  return out;
}

export function webpWithFrameAt(animatedWebp: Buffer, frameIndex: number, x: number, y: number): Buffer {
  const out = Buffer.from(animatedWebp);
  const frame = riffChunks(animatedWebp).filter((chunk) => chunk.type === 'ANMF')[frameIndex]!;
  out.writeUIntLE(x / 2, frame.start + 8, 3);
  out.writeUIntLE(y / 2, frame.start + 11, 3);
  return out;
}

export function riffChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length % 2));
  out.write(type, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}

/** Adds a chunk at the top level (after the last one) or inside the first ANMF frame, fixing the sizes. */
export function webpWithChunk(webp: Buffer, chunk: Buffer, where: 'top level' | 'in the first frame' = 'top level'): Buffer {
  if (where === 'top level') return fixRiffSize(Buffer.concat([webp, chunk]));
  const frame = first(riffChunks(webp), 'ANMF');
  const out = insert(webp, frame.end, chunk);
  out.writeUInt32LE(frame.end - frame.start - 8 + chunk.length, frame.start + 4);
  return fixRiffSize(out);
}

/** A simple (VP8 or VP8L only) WebP with a second bitstream chunk after the first. */
export function webpWithSecondBitstream(simpleWebp: Buffer): Buffer {
  const bitstream = riffChunks(simpleWebp)[0]!;
  return fixRiffSize(Buffer.concat([simpleWebp, simpleWebp.subarray(bitstream.start, bitstream.end)]));
}
