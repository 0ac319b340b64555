// Hand-written encoders so tests can make valid images of any dimensions and exact byte size at run time
// (no fixtures in the repo), plus hostile look-alikes. Each encoder picks the cheapest legal bitstream
// (checkerboards, colour bands, single-symbol prefix codes), so even 4000x4000 is generated in milliseconds.
import { crc32, deflateSync } from 'node:zlib';

export type TestFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export interface ImageOptions { width: number; height: number; format: TestFormat; size?: number }

export const MIME: Record<TestFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' };

const MAX_SIDE: Record<TestFormat, number> = { jpeg: 65535, png: 2 ** 31 - 1, gif: 65535, webp: 16384 };

/**
 * A valid image of exactly `size` bytes when size is given (padding in a format-legal ancillary place),
 * else its natural size. Throws a RangeError if size is smaller than the natural size, or if the padding
 * structure cannot fill the gap: a PNG grows by 0 or >= 12 bytes, a WebP by 0 or >= 8, a GIF by 0, 3 or
 * >= 5, a JPEG by any amount.
 */
export function makeImage(opts: ImageOptions): Buffer {
  const { width, height, format, size } = opts;
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE[format]) {
      throw new RangeError(`${format} sides must be integers in 1..${MAX_SIDE[format]}, got ${side}`);
    }
  }
  switch (format) {
    case 'png': return png(width, height, size);
    case 'jpeg': return jpeg(width, height, size);
    case 'gif': return gif(width, height, size);
    case 'webp': return webp(width, height, size);
  }
}

/**
 * The bytes the service keeps of makeImage(opts): the padding sits in a comment or an unknown chunk,
 * which the privacy scrub removes, and nothing else in these encoders is metadata.
 */
export function storedImage(opts: ImageOptions): Buffer {
  return makeImage({ ...opts, size: undefined });
}

/** Concatenates head + padding + tail so the total is exactly `size`; `pad` gets the byte count to fill. */
function fit(what: string, head: Buffer[], tail: Buffer[], size: number | undefined, pad: (gap: number) => Buffer): Buffer {
  const natural = [...head, ...tail].reduce((sum, part) => sum + part.length, 0);
  if (size === undefined || size === natural) return Buffer.concat([...head, ...tail]);
  if (size < natural) throw new RangeError(`this ${what} needs at least ${natural} bytes, asked for ${size}`);
  return Buffer.concat([...head, pad(size - natural), ...tail]);
}

function cannotPad(what: string, gap: number, rule: string): never {
  throw new RangeError(`cannot pad a ${what} by exactly ${gap} bytes (${rule})`);
}

/** LSB-first bit packing, as both GIF's LZW and WebP's VP8L use. */
class BitWriter {
  readonly bytes: Buffer;
  private pos = 0;
  private acc = 0;
  private count = 0;

  constructor(totalBits: number) {
    this.bytes = Buffer.alloc(Math.ceil(totalBits / 8));
  }

  write(value: number, bits: number): void {
    this.acc |= value << this.count;
    this.count += bits;
    for (; this.count >= 8; this.count -= 8, this.acc >>>= 8) this.bytes[this.pos++] = this.acc & 0xff;
    if (this.count > 0) this.bytes[this.pos] = this.acc; // so `bytes` is complete without a flush
  }
}

// ---- PNG ----

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk with its length and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + 12);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function pngFile(width: number, height: number, bitDepth: number, colourType: number, idat: Buffer, size: number | undefined): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const head = [PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat)];
  // 'paDd': ancillary, private, safe-to-copy, so every decoder skips it.
  return fit('png', head, [pngChunk('IEND', Buffer.alloc(0))], size, (gap) =>
    gap < 12 ? cannotPad('png', gap, 'a chunk costs 12 bytes') : pngChunk('paDd', Buffer.alloc(gap - 12)));
}

/** 1-bit greyscale keeps the raw scanlines 8x smaller than RGB, which is what keeps 16k x 16k affordable. */
function png(width: number, height: number, size: number | undefined): Buffer {
  const stride = 1 + Math.ceil(width / 8);
  const rows = [0, 1].map((phase) => {
    const row = Buffer.alloc(stride); // leading 0 = filter type None
    for (let i = 1; i < stride; i++) row[i] = (i + phase) & 1 ? 0xff : 0x00;
    return row;
  });
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) rows[(y >> 3) & 1]?.copy(raw, y * stride);
  return pngFile(width, height, 1, 0, deflateSync(raw), size);
}

/**
 * A PNG of about `bytes` bytes whose bulk is pixels, not padding: seeded noise in 8-bit greyscale,
 * deflated without compression. The privacy scrub keeps it byte for byte, so it stands in for a real
 * photo wherever stored size matters (durability, disk space, large transfers).
 */
export function densePng(bytes: number, seed = 1): Buffer {
  const width = Math.min(4000, Math.max(50, Math.ceil(bytes / 4000)));
  const height = Math.min(4000, Math.max(50, Math.round(bytes / (width + 1))));
  const raw = Buffer.alloc((width + 1) * height);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    if (i % (width + 1) === 0) continue; // filter type None
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    raw[i] = state & 0xff;
  }
  return pngFile(width, height, 8, 0, deflateSync(raw, { level: 0 }), undefined);
}

/** A few-KB PNG whose IHDR declares width x height RGBA (a decompression-bomb header) but holds no rows. */
export function pngClaimingDimensions(width: number, height: number): Buffer {
  return pngFile(width, height, 8, 6, deflateSync(Buffer.alloc(1)), 2048);
}

// ---- JPEG ----

function segment(marker: number, payload: Buffer | number[]): Buffer {
  const body = Buffer.from(payload);
  const out = Buffer.alloc(body.length + 4);
  out[0] = 0xff;
  out[1] = marker;
  out.writeUInt16BE(body.length + 2, 2);
  body.copy(out, 4);
  return out;
}

/** COM segments (at most 65537 bytes each) then up to 3 0xFF fill bytes, which may precede any marker. */
function jpegPadding(gap: number): Buffer {
  const parts: Buffer[] = [];
  for (let n = Math.min(gap, 65537); gap >= 4; gap -= n, n = Math.min(gap, 65537)) {
    parts.push(segment(0xfe, Buffer.alloc(n - 4, 0x20)));
  }
  parts.push(Buffer.alloc(gap, 0xff));
  return Buffer.concat(parts);
}

/**
 * Baseline, one grey component, Huffman tables holding only the symbols used: each 8x8 block is a DC
 * difference of category 0 plus EOB, one '0' bit each, so the scan is all zero bits (a flat grey image).
 */
function jpeg(width: number, height: number, size: number | undefined): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const scan = Buffer.alloc(Math.ceil(blocks / 4));
  const usedBits = (blocks * 2) % 8;
  // Pad with 1 bits; at least 2 bits are used, so this byte is never 0xFF and no stuffing is needed.
  if (usedBits > 0) scan[scan.length - 1] = 0xff >> usedBits;
  const oneCodeTable = (classAndId: number) => [classAndId, 1, ...new Array<number>(15).fill(0), 0x00];
  const head = [
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
  ];
  const tail = [
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [...oneCodeTable(0x00), ...oneCodeTable(0x10)]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    scan,
    Buffer.from([0xff, 0xd9]),
  ];
  return fit('jpeg', head, tail, size, jpegPadding);
}

// ---- GIF ----

/** Splits data into length-prefixed sub-blocks of at most 255 bytes plus the 0 terminator. */
function subBlocks(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + Math.ceil(data.length / 255) + 1);
  for (let i = 0, o = 0; i < data.length; i += 255) {
    const n = Math.min(255, data.length - i);
    out[o] = n;
    data.copy(out, o + 1, i, i + n);
    o += n + 1;
  }
  return out;
}

/** One Comment Extension: 3 bytes of framing around sub-blocks of 2..256 bytes each. */
function gifComment(gap: number): Buffer {
  if (gap < 3 || gap === 4) cannotPad('gif', gap, 'a comment costs 3 bytes, or 5+ with text');
  const out = Buffer.alloc(gap, 0x2e);
  out[0] = 0x21;
  out[1] = 0xfe;
  out[gap - 1] = 0;
  for (let at = 2, left = gap - 3; left > 0;) {
    // Never leave exactly 1 byte: a sub-block needs a length byte and at least one data byte.
    const n = left > 256 ? (left === 257 ? 254 : 255) : left - 1;
    out[at] = n;
    at += n + 1;
    left -= n + 1;
  }
  return out;
}

const [CLEAR, END] = [4, 5]; // for LZW minimum code size 2

/**
 * LZW for single-colour runs. After a CLEAR the decoder has not yet created the entry each following
 * code names (the KwKwK case), so code j names a run of j pixels and a run of n pixels costs about
 * sqrt(2n) codes. Widths are the decoder's: the bit length of its next free entry, growing from 3.
 */
function gifLzw(runs: Array<[colour: number, length: number]>): Buffer {
  const codes: Array<[code: number, width: number]> = [];
  let sinceClear = 0;
  const emit = (code: number) => {
    const nextEntry = 6 + Math.max(0, sinceClear - 1);
    codes.push([code, Math.min(12, 32 - Math.clz32(nextEntry))]);
    sinceClear = code === CLEAR ? 0 : sinceClear + 1;
  };
  for (const [colour, length] of runs) {
    emit(CLEAR);
    for (let left = length; left > 0;) {
      if (sinceClear === 4000) emit(CLEAR); // well before the 4096-entry table fills
      const n = Math.min(sinceClear + 1, left);
      emit(n === 1 ? colour : 4 + n); // entry 6 holds 2 pixels, 7 holds 3, ...
      left -= n;
    }
  }
  emit(END);
  const bits = new BitWriter(codes.reduce((sum, [, width]) => sum + width, 0));
  for (const [code, width] of codes) bits.write(code, width);
  return bits.bytes;
}

function gifScreen(width: number, height: number): Buffer[] {
  const screen = Buffer.alloc(13);
  screen.write('GIF89a', 0, 'latin1');
  screen.writeUInt16LE(width, 6);
  screen.writeUInt16LE(height, 8);
  screen[10] = 0x91; // global colour table of 4 entries
  return [screen, Buffer.from([0, 0, 0, 255, 255, 255, 220, 40, 40, 40, 90, 220])];
}

/** One full-screen image block of four horizontal bands, the first in colour `shift` of the palette. */
function gifBands(width: number, height: number, shift = 0): Buffer[] {
  const descriptor = Buffer.alloc(11);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  descriptor[10] = 2; // LZW minimum code size
  const bands = [0, 1, 2, 3].map((i): [number, number] =>
    [(i + shift) % 4, width * (Math.floor(((i + 1) * height) / 4) - Math.floor((i * height) / 4))]);
  return [descriptor, subBlocks(gifLzw(bands.filter(([, length]) => length > 0)))];
}

function gif(width: number, height: number, size: number | undefined): Buffer {
  const tail = [...gifBands(width, height), Buffer.from([0x3b])];
  return fit('gif', gifScreen(width, height), tail, size, gifComment);
}

/**
 * An animated GIF of `frames` full-screen frames (the bands shifted by one colour each, 100 ms apart,
 * looping): a few hundred bytes per frame whatever the size, so even 4000x4000 x 60 frames, past any
 * animation budget, is made in milliseconds.
 */
export function animatedGif(width: number, height: number, frames: number): Buffer {
  const loop = Buffer.from([0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0]);
  const frameControl = Buffer.from([0x21, 0xf9, 4, 0x04, 10, 0, 0, 0]); // keep the frame, 10 cs
  const parts = Array.from({ length: frames }, (_, i) => [frameControl, ...gifBands(width, height, i)]).flat();
  return Buffer.concat([...gifScreen(width, height), loop, ...parts, Buffer.from([0x3b])]);
}

// ---- WebP ----

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length % 2));
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}

/**
 * Lossless VP8L with no transforms, no colour cache and five one-symbol "simple" prefix codes: a
 * one-symbol code costs zero bits per read, so the bitstream is 12 bytes whatever the dimensions.
 */
function vp8l(width: number, height: number, colour: readonly number[] = [0x99, 0x33, 0xcc, 0xff]): Buffer {
  const bits = new BitWriter(8 + 32 + 3 + 4 * 11 + 4);
  bits.write(0x2f, 8);
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1 + 3); // alpha_is_used, version 0
  bits.write(0, 1 + 1 + 1); // transform_present, colour cache, meta prefix codes
  const simpleCode = (symbol: number, symbolBits: 1 | 8) => {
    bits.write(1, 1); // simple code
    bits.write(0, 1); // num_symbols - 1
    bits.write(symbolBits === 8 ? 1 : 0, 1); // is_first_8bits
    bits.write(symbol, symbolBits);
  };
  for (const symbol of colour) simpleCode(symbol, 8); // green, red, blue, alpha
  simpleCode(0, 1); // distance
  return bits.bytes;
}

/**
 * The extended layout (a VP8X chunk first) is the one that allows unknown chunks, so padding is a
 * trailing 'XPAD' chunk that readers skip. RIFF chunks are even-sized by definition, so an odd total
 * ends with one zero byte after the RIFF chunk (not counted in its size), which libwebp ignores.
 */
function webp(width: number, height: number, size: number | undefined): Buffer {
  const header = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  const canvas = Buffer.alloc(10); // no feature flags
  canvas.writeUIntLE(width - 1, 4, 3);
  canvas.writeUIntLE(height - 1, 7, 3);
  const head = [header, riffChunk('VP8X', canvas), riffChunk('VP8L', vp8l(width, height))];
  const out = fit('webp', head, [], size, (gap) => {
    if (gap < 8) cannotPad('webp', gap, 'a chunk costs 8 bytes');
    const chunk = Buffer.alloc(gap);
    chunk.write('XPAD', 0, 'latin1');
    chunk.writeUInt32LE(gap - 8 - (gap % 2), 4);
    return chunk;
  });
  out.writeUInt32LE(out.length - 8 - (out.length % 2), 4);
  return out;
}

/**
 * An animated WebP of `frames` full-canvas lossless frames, one flat colour each, 100 ms apart,
 * looping; each frame's bitstream is 12 bytes whatever its size (see vp8l).
 */
export function animatedWebp(width: number, height: number, frames: number): Buffer {
  const canvas = Buffer.alloc(10);
  canvas[0] = 0x02; // animation
  canvas.writeUIntLE(width - 1, 4, 3);
  canvas.writeUIntLE(height - 1, 7, 3);
  const animation = Buffer.alloc(6); // background 0, loop forever
  const chunks = [riffChunk('VP8X', canvas), riffChunk('ANIM', animation)];
  for (let i = 0; i < frames; i++) {
    const header = Buffer.alloc(16); // at 0,0; blend off (the frames are opaque anyway)
    header.writeUIntLE(width - 1, 6, 3);
    header.writeUIntLE(height - 1, 9, 3);
    header.writeUIntLE(100, 12, 3);
    header[15] = 0x02;
    const colour = [(0x99 + 40 * i) & 0xff, (0x33 + 90 * i) & 0xff, (0xcc + 150 * i) & 0xff, 0xff];
    chunks.push(riffChunk('ANMF', Buffer.concat([header, riffChunk('VP8L', vp8l(width, height, colour))])));
  }
  const out = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), ...chunks]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

// ---- hostile helpers ----

export function truncated(image: Buffer, keepBytes: number): Buffer {
  return image.subarray(0, keepBytes);
}

/** SVG is the classic stored-XSS vector, hence the script. Padded with an XML comment. */
export function svgImage(size = 2048): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">\n'
    + '<rect width="64" height="64" fill="#39c"/>\n<script>alert(document.domain)</script>\n';
  return fit('svg', [Buffer.from(head)], [Buffer.from('\n</svg>\n')], size, (gap) =>
    gap < 7 ? cannotPad('svg', gap, 'a comment costs 7 bytes') : Buffer.from(`<!--${' '.repeat(gap - 7)}-->`));
}

/** Uncompressed 24-bit bottom-up BMP (all black). */
export function bmpImage(width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10); // pixel data offset
  out.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26); // planes
  out.writeUInt16LE(24, 28); // bits per pixel
  out.writeUInt32LE(stride * height, 34);
  out.writeInt32LE(2835, 38); // 72 dpi
  out.writeInt32LE(2835, 42);
  return out;
}

/** Baseline bilevel little-endian TIFF: one uncompressed strip (all black), with the required tags. */
export function tiffImage(width: number, height: number): Buffer {
  const [SHORT, LONG, RATIONAL] = [3, 4, 5];
  const stripBytes = Math.ceil(width / 8) * height;
  const resolution = 8 + 2 + 12 * 12 + 4; // after the 12-entry IFD
  const pixels = resolution + 16;
  const entries = [
    [256, LONG, width], [257, LONG, height], [258, SHORT, 1], [259, SHORT, 1], [262, SHORT, 1],
    [273, LONG, pixels], [277, SHORT, 1], [278, LONG, height], [279, LONG, stripBytes],
    [282, RATIONAL, resolution], [283, RATIONAL, resolution + 8], [296, SHORT, 2],
  ] as const;
  const out = Buffer.alloc(pixels + stripBytes);
  out.write('II*\0', 0, 'latin1');
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    out.writeUInt16LE(tag, 10 + 12 * i);
    out.writeUInt16LE(type, 12 + 12 * i);
    out.writeUInt32LE(1, 14 + 12 * i);
    out.writeUInt32LE(value, 18 + 12 * i); // little-endian, so a SHORT lands left-justified as required
  });
  for (const offset of [resolution, resolution + 8]) {
    out.writeUInt32LE(72, offset);
    out.writeUInt32LE(1, offset + 4);
  }
  return out;
}

function isoBmff(brand: string, compatible: string, size: number): Buffer {
  const ftyp = Buffer.from(`\0\0\0\0ftyp${brand}\0\0\0\0${compatible}`, 'latin1');
  ftyp.writeUInt32BE(ftyp.length, 0);
  return fit(brand, [ftyp], [], size, (gap) => {
    if (gap < 8) cannotPad(brand, gap, "a 'free' box costs 8 bytes");
    const free = Buffer.alloc(gap);
    free.writeUInt32BE(gap, 0);
    free.write('free', 4, 'latin1');
    return free;
  });
}

/** Only an 'ftyp' box of brand avif and a 'free' box: enough for sniffers, not decodable. */
export function avifLike(size = 1024): Buffer {
  return isoBmff('avif', 'avifmif1miaf', size);
}

/** As avifLike, with brand heic. */
export function heicLike(size = 1024): Buffer {
  return isoBmff('heic', 'mif1heic', size);
}

export function textFile(size = 1024): Buffer {
  const line = 'This is plain text, not an image.\n';
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

/** Zero bytes appended up to `size`, so a size limit is never the reason a cut file is refused. */
export function zeroPadded(bytes: Buffer, size: number): Buffer {
  return Buffer.concat([bytes, Buffer.alloc(Math.max(0, size - bytes.length))]);
}

// Where the layouts written above have finished declaring the dimensions.
const HEADER_END: Record<Exclude<TestFormat, 'png'>, (image: Buffer) => number> = {
  jpeg: (image) => {
    const sof = image.indexOf(Buffer.from([0xff, 0xc0]));
    return sof + 2 + image.readUInt16BE(sof + 2);
  },
  gif: () => 13, // signature and logical screen descriptor
  webp: () => 30, // RIFF header and VP8X chunk
};

/**
 * A `size`-byte file whose header declares width x height and holds nothing after it: the image cut
 * right after its dimensions, zero-padded. (A PNG needs no pixels for this: see pngClaimingDimensions.)
 */
export function headerClaimingDimensions(format: Exclude<TestFormat, 'png'>, width: number, height: number, size = 2048): Buffer {
  const image = makeImage({ width, height, format });
  return zeroPadded(image.subarray(0, HEADER_END[format](image)), size);
}

/** The simple lossless WebP layout (one VP8L chunk, no VP8X), where the VP8L header holds the dimensions. */
export function losslessWebp(width: number, height: number): Buffer {
  const header = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  const chunk = riffChunk('VP8L', vp8l(width, height));
  header.writeUInt32LE(4 + chunk.length, 4);
  return Buffer.concat([header, chunk]);
}
