import { fourcc, splice } from './bytes.ts';
import type { Splice, WalkEnd } from './bytes.ts';
import { exifOrientation, minimalExif } from './exif.ts';
import type { Structure } from './read-structure.ts';

const [VP8X, VP8, VP8L, ANMF] = [fourcc('VP8X'), fourcc('VP8 '), fourcc('VP8L'), fourcc('ANMF')];
const [ANIM, ALPH, ICCP, EXIF] = [fourcc('ANIM'), fourcc('ALPH'), fourcc('ICCP'), fourcc('EXIF')];
const [ANIMATION_FLAG, XMP_FLAG, EXIF_FLAG] = [0x02, 0x04, 0x08];
const FLAGS_AT = 20; // the VP8X data starts after the RIFF header (12 bytes) and its chunk header (8)
const FRAME_HEADER = 16; // ANMF: offsets, size, duration and flags, before the frame's own chunks

interface Size { width: number; height: number }

// Reads go through a DataView, bounds checked by the callers first (why not the helpers: see bytes.ts).
const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u24 = (view: DataView, at: number) => view.getUint16(at, true) | (view.getUint8(at + 2) << 16);

/** The end of the RIFF container: bytes after it belong to no chunk. */
const riffEnd = (view: DataView) => Math.min(view.byteLength, 8 + view.getUint32(4, true));

/** `start` is the chunk header, its data [start + 8, dataEnd), `end` is after the pad byte; both lie past `to` when cut. */
type RiffVisit = (type: number, start: number, dataEnd: number, end: number) => void;

/** Calls `visit` for each chunk in [from, to). The pad byte of an odd-sized last chunk may be missing. */
function walkChunks(view: DataView, from: number, to: number, visit: RiffVisit): WalkEnd {
  for (let pos = from; ;) {
    if (pos >= to) return { how: 'end', at: pos };
    if (pos + 8 > to) return { how: 'cut' };
    const dataEnd = pos + 8 + view.getUint32(pos + 4, true);
    visit(view.getUint32(pos), pos, dataEnd, dataEnd + (dataEnd & 1));
    if (dataEnd > to) return { how: 'cut' };
    pos = dataEnd + (dataEnd & 1);
  }
}

/** The size a decoder reads from a VP8 key frame header or a VP8L header, which is what it will allocate. */
function bitstreamSize(view: DataView, type: number, data: number, dataEnd: number): Size | undefined {
  const available = Math.min(dataEnd, view.byteLength) - data;
  if (type === VP8) {
    if (available < 10 || (view.getUint8(data) & 1) !== 0 || (view.getUint32(data + 2) & 0xffffff) !== 0x9d012a) return undefined; // a key frame, its start code
    // The top two bits of each field are a scaling hint for the display, not part of the size.
    const size = { width: view.getUint16(data + 6, true) & 0x3fff, height: view.getUint16(data + 8, true) & 0x3fff };
    return size.width > 0 && size.height > 0 ? size : undefined;
  }
  if (available < 5 || view.getUint8(data) !== 0x2f) return undefined; // the VP8L signature
  const bits = view.getUint32(data + 1, true);
  return bits >>> 29 === 0 ? { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 } : undefined; // version 0
}

const sizeText = (size: Size) => `${size.width}x${size.height}`;
const sameSize = (a: Size, b: Size) => a.width === b.width && a.height === b.height;
const unreadable: Structure = { kind: 'unreadable', format: 'webp' };

export function readWebp(b: Uint8Array): Structure {
  const view = viewOf(b);
  const to = b.length >= 12 ? riffEnd(view) : 0;
  if (to < 20) return unreadable;
  const first = view.getUint32(12);
  if (first === VP8 || first === VP8L) return readSimple(view, to);
  if (first !== VP8X || view.getUint32(16, true) !== 10 || to < 30) return unreadable; // libwebp wants exactly 10
  return readExtended(b, view, to);
}

/** One bitstream chunk and nothing else that counts: libwebp reads no further. */
function readSimple(view: DataView, to: number): Structure {
  let size: Size | undefined;
  let reason: string | undefined;
  walkChunks(view, 12, to, (type, start, dataEnd) => {
    if (start === 12) size = bitstreamSize(view, type, start + 8, Math.min(dataEnd, to));
    else if (type === VP8 || type === VP8L || type === VP8X || type === ANMF) reason ??= `a second image chunk at byte ${start} of a simple WebP`;
  });
  if (reason !== undefined) return { kind: 'inconsistent', format: 'webp', reason };
  return size ? { kind: 'image', format: 'webp', ...size, orientation: 1, frames: 1 } : unreadable;
}

function readExtended(b: Uint8Array, view: DataView, to: number): Structure {
  const animated = (view.getUint8(FLAGS_AT) & ANIMATION_FLAG) !== 0;
  const announcedExif = (view.getUint8(FLAGS_AT) & EXIF_FLAG) !== 0;
  const canvas = { width: u24(view, 24) + 1, height: u24(view, 27) + 1 };
  if (canvas.width * canvas.height > 2 ** 32 - 1) return unreadable; // libwebp's limit
  let [stills, frames] = [0, 0];
  let [animationHeader, decodable, broken] = [false, false, false];
  let reason: string | undefined;
  let orientation: number | undefined;
  walkChunks(view, 30, to, (type, start, chunkEnd) => {
    const [data, dataEnd] = [start + 8, Math.min(chunkEnd, to)];
    if (type === VP8 || type === VP8L) {
      const size = bitstreamSize(view, type, data, dataEnd);
      if (++stills > 1) reason ??= `a second image bitstream at byte ${start}`;
      else if (size && !sameSize(size, canvas)) reason ??= `the VP8X canvas is ${sizeText(canvas)}, the bitstream ${sizeText(size)}`;
      broken ||= size === undefined;
      decodable = size !== undefined;
    } else if (type === ANMF) {
      broken ||= !animationHeader; // libwebp wants ANIM before the first frame
      const frame = readFrame(view, data, dataEnd);
      frames++;
      if (frame !== undefined) reason ??= frameProblem(frame, canvas, frames);
      decodable ||= frame?.bitstream !== undefined;
    } else if (type === ANIM) {
      animationHeader = true;
    } else if (type === EXIF) {
      const value = exifOrientation(b, data, dataEnd);
      // libwebp readers look for EXIF only when the VP8X flag announces it; other readers may not ask.
      if (!announcedExif && value !== 1) reason ??= `an EXIF chunk the VP8X flags do not announce gives orientation ${value}`;
      else if (orientation !== undefined && value !== orientation) reason ??= `two EXIF chunks give orientations ${orientation} and ${value}`;
      if (announcedExif) orientation ??= value;
    } else if (type === VP8X) {
      reason ??= `a second VP8X at byte ${start}`;
    }
  });
  if (animated && stills > 0) reason ??= 'an animated WebP that also holds a still bitstream';
  if (!animated && frames > 0) reason ??= 'animation frames in a WebP not flagged as animated';
  if (reason !== undefined) return { kind: 'inconsistent', format: 'webp', reason };
  if (broken || !decodable) return unreadable;
  return { kind: 'image', format: 'webp', ...canvas, orientation: orientation ?? 1, frames: animated ? frames : 1 };
}

interface Frame extends Size { x: number; y: number; bitstream: Size | undefined }

/** An ANMF chunk's placement and size, and the size of the first bitstream among its own chunks; undefined if cut in its header. */
function readFrame(view: DataView, data: number, dataEnd: number): Frame | undefined {
  if (dataEnd - data < FRAME_HEADER) return undefined;
  let bitstream: Size | undefined;
  let found = false;
  walkChunks(view, data + FRAME_HEADER, dataEnd, (type, start, end) => {
    if (found || (type !== VP8 && type !== VP8L)) return;
    found = true;
    bitstream = bitstreamSize(view, type, start + 8, Math.min(end, dataEnd));
  });
  const [x, y] = [u24(view, data) * 2, u24(view, data + 3) * 2];
  return { x, y, width: u24(view, data + 6) + 1, height: u24(view, data + 9) + 1, bitstream };
}

/** Why an animation frame lies about its place or size, if it does. */
function frameProblem(frame: Frame, canvas: Size, index: number): string | undefined {
  const { x, y, bitstream } = frame;
  if (x + frame.width > canvas.width || y + frame.height > canvas.height) {
    return `frame ${index} (${sizeText(frame)} at ${x},${y}) falls outside the ${sizeText(canvas)} canvas`;
  }
  if (bitstream && !sameSize(bitstream, frame)) return `frame ${index} is ${sizeText(frame)}, its bitstream ${sizeText(bitstream)}`;
  return undefined;
}

/** A chunk header; the data follows from other pieces of the output. */
function chunkHeader(type: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, type);
  view.setUint32(4, size, true);
  return out;
}

/** Top-level chunks that decode or colour the image; EXIF, XMP and unknown chunks go. */
const KEPT = new Set([VP8X, VP8, VP8L, ANIM, ANMF, ALPH, ICCP]);
const FRAME_CHUNKS = new Set([VP8, VP8L, ALPH]);

/** Copies an ANMF chunk, without the unknown chunks a frame may carry. */
function scrubFrame(view: DataView, start: number, dataEnd: number, to: number, edit: Splice): void {
  const kept: Array<[number, number]> = [];
  let dropped = false;
  walkChunks(view, start + 8 + FRAME_HEADER, Math.min(dataEnd, to), (type, sub, _subDataEnd, subEnd) => {
    if (FRAME_CHUNKS.has(type)) kept.push([sub, Math.min(subEnd, dataEnd, to)]);
    else dropped = true;
  });
  if (!dropped) return edit.keep(start, Math.min(dataEnd + (dataEnd & 1), to));
  edit.add(chunkHeader(ANMF, kept.reduce((sum, [from, end]) => sum + end - from, FRAME_HEADER)));
  edit.keep(start + 8, start + 8 + FRAME_HEADER);
  for (const [from, end] of kept) edit.keep(from, end);
}

/** Keeps the image chunks, rewrites the first EXIF as its orientation alone, then fixes the VP8X flags and RIFF size. */
export function scrubWebp(b: Uint8Array): Uint8Array {
  const view = viewOf(b);
  const to = riffEnd(view);
  const extended = to >= 20 && view.getUint32(12) === VP8X;
  const announcedExif = extended && ((b[FLAGS_AT] ?? 0) & EXIF_FLAG) !== 0; // else no reader applies it
  let exifWritten = false;
  const out = splice(b, (edit) => {
    edit.keep(0, 12);
    let exifSeen = false;
    walkChunks(view, 12, to, (type, start, dataEnd, end) => {
      if (!extended) {
        if (start === 12) edit.keep(start, Math.min(end, to)); // a simple WebP: only its bitstream counts
      } else if (type === EXIF && !exifSeen && announcedExif) {
        exifSeen = true;
        const orientation = exifOrientation(b, start + 8, Math.min(dataEnd, to));
        if (orientation === 1) return;
        const exif = minimalExif(orientation); // an even size: no pad byte
        edit.add(chunkHeader(EXIF, exif.length));
        edit.add(exif);
        exifWritten = true;
      } else if (type === ANMF) {
        scrubFrame(view, start, dataEnd, to, edit);
      } else if (KEPT.has(type)) {
        edit.keep(start, Math.min(end, to));
      }
    });
  });
  if (out === b) return b;
  viewOf(out).setUint32(4, out.length - 8, true);
  if (extended) out[FLAGS_AT] = ((out[FLAGS_AT] ?? 0) & ~(EXIF_FLAG | XMP_FLAG)) | (exifWritten ? EXIF_FLAG : 0);
  return out;
}
