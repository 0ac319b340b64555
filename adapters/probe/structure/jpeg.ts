import { splice, startsWith } from './bytes.ts';
import type { WalkEnd } from './bytes.ts';
import { exifOrientation, minimalExif } from './exif.ts';
import type { Structure } from './read-structure.ts';

const [SOI, EOI, SOS, APP0, APP1, APP2, APP14, APP15, COM] = [0xd8, 0xd9, 0xda, 0xe0, 0xe1, 0xe2, 0xee, 0xef, 0xfe];
/** Not a marker: the entropy-coded data after an SOS header, reported as a segment of its own. */
const ENTROPY = 0x100;

/** SOF0..SOF15 minus the three codes in that range that are not frame headers (DHT, JPG, DAC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Hierarchical and differential frames: libjpeg refuses them, browsers too. */
const unsupportedSof = (m: number) => (m >= 0xc5 && m <= 0xc7) || m >= 0xcd;
const [UNKNOWN, STANDALONE, WITH_LENGTH] = [0, 1, 2];
/**
 * What follows each marker code: RSTn, SOI, EOI and TEM carry no length; the others libjpeg's marker
 * reader accepts carry one; anything else stops libjpeg with "unsupported marker". A table, because
 * a hostile file can hold millions of markers.
 */
const MARKER_KIND = Uint8Array.from({ length: 256 }, (_, m) => {
  if ((m >= 0xd0 && m <= 0xd9) || m === 0x01) return STANDALONE;
  const known = (m >= 0xc0 && m <= 0xdd && m !== 0xc8) || (m >= APP0 && m <= APP15) || m === COM;
  return known ? WITH_LENGTH : UNKNOWN;
});

/**
 * `start` is the first 0xFF before the marker (fill bytes included), `end` the offset after the segment.
 * A segment cut short by the end of the bytes is still reported, with `end` past b.length.
 */
type JpegVisit = (marker: number, start: number, payload: number, end: number) => void;

/**
 * Calls `visit` for every segment after SOI (or only for the markers `wanted` flags), in file order, up
 * to EOI. After each SOS header the entropy-coded data is skipped the way a decoder reads it: 0xFF00 is
 * a stuffed 0xFF byte and RST0-7 sit inside the data, any other marker ends it. One pass, no
 * backtracking: linear in the file size.
 */
function walkJpeg(b: Uint8Array, visit: JpegVisit, wanted?: Uint8Array): WalkEnd {
  const n = b.length;
  for (let pos = 2; ;) {
    const start = pos;
    if (pos >= n) return { how: 'cut' };
    if (b[pos] !== 0xff) return { how: 'corrupt', at: pos };
    while (pos < n && b[pos] === 0xff) pos++;
    if (pos >= n) return { how: 'cut' };
    const marker = b[pos++] ?? 0;
    const kind = MARKER_KIND[marker];
    if (kind === UNKNOWN) return { how: 'corrupt', at: start };
    if (kind === STANDALONE) {
      if (wanted === undefined || wanted[marker] === 1) visit(marker, start, pos, pos);
      if (marker === EOI) return { how: 'end', at: pos };
      continue;
    }
    if (pos + 2 > n) return { how: 'cut' };
    const length = ((b[pos] ?? 0) << 8) | (b[pos + 1] ?? 0);
    if (length < 2) return { how: 'corrupt', at: start };
    if (wanted === undefined || wanted[marker] === 1) visit(marker, start, pos + 2, pos + length);
    pos += length;
    if (pos > n) return { how: 'cut' };
    if (marker === SOS) {
      const dataEnd = entropyEnd(b, pos);
      if (wanted === undefined) visit(ENTROPY, pos, pos, dataEnd);
      pos = dataEnd;
    }
  }
}

/** Where the entropy-coded data starting at `from` ends: the first 0xFF of the next real marker, or b.length. */
function entropyEnd(b: Uint8Array, from: number): number {
  const n = b.length;
  // Buffer's indexOf is memchr: most of a photo is entropy-coded data, and a loop in JS over
  // every byte was a tenth of an upload's time on the event loop.
  const bytes = Buffer.from(b.buffer, b.byteOffset, n);
  for (let i = bytes.indexOf(0xff, from); i !== -1; i = bytes.indexOf(0xff, i)) {
    let next = i + 1;
    while (next < n && b[next] === 0xff) next++;
    const code = b[next] ?? 0;
    if (next < n && code !== 0 && (code < 0xd0 || code > 0xd7)) return i;
    i = next;
  }
  return n;
}

function frameSize(b: Uint8Array, payload: number, end: number): { width: number; height: number } | undefined {
  const components = b[payload + 5] ?? 0;
  const height = ((b[payload + 1] ?? 0) << 8) | (b[payload + 2] ?? 0); // 0: "given later by a DNL marker", which few decoders follow
  const width = ((b[payload + 3] ?? 0) << 8) | (b[payload + 4] ?? 0);
  if (end - payload < 6 + 3 * components || components === 0 || width === 0 || height === 0) return undefined;
  return { width, height };
}

/** The segments the reader looks at; skipping the rest keeps a flood of tiny segments cheap. */
const READ = Uint8Array.from({ length: 256 }, (_, m) => (isSof(m) || m === SOS || m === APP1 || m === SOI || m === EOI ? 1 : 0));

/**
 * Every scan of a progressive JPEG makes the decoder pass over the whole image again, so a small
 * file of countless tiny scans costs minutes to decode (libjpeg-turbo's own tools cap them for
 * this reason). Encoders write at most a few dozen.
 */
export const MAX_SCANS = 1000;

const sizeText = (size: { width: number; height: number } | undefined) => (size ? `${size.width}x${size.height}` : 'an unreadable size');

export function readJpeg(b: Uint8Array): Structure {
  let frame: { width: number; height: number } | undefined;
  let frameHeaders = 0;
  let scans = 0;
  let scanned = false; // a whole SOS header has been read: from here on, a cut file still has its header
  let broken = false;
  let reason: string | undefined;
  let orientation: number | undefined;
  const walk = walkJpeg(b, (marker, start, payload, end) => {
    if (end > b.length) return;
    if (isSof(marker)) {
      const size = frameSize(b, payload, end);
      if (++frameHeaders === 1) {
        frame = size;
        broken ||= size === undefined || unsupportedSof(marker);
      } else {
        // libjpeg refuses a second frame header; decoders that do not may size the image from either.
        reason ??= `a second frame header (SOF) at byte ${start} declares ${sizeText(size)}, the first ${sizeText(frame)}`;
      }
    } else if (marker === SOS) {
      broken ||= frameHeaders === 0;
      scanned = true;
      if (++scans === MAX_SCANS + 1) reason ??= `more than ${MAX_SCANS} scans, which would cost a decoder a pass over the image each`;
    } else if (marker === APP1 && !scanned && startsWith(b, payload, 'Exif\0\0')) {
      // Only header segments count: decoders read the EXIF before the first scan and no later.
      const value = exifOrientation(b, payload, end);
      if (orientation !== undefined && value !== orientation) reason ??= `two EXIF blocks give orientations ${orientation} and ${value}`;
      orientation ??= value;
    } else if (marker === SOI || (marker === EOI && !scanned)) {
      broken = true;
    }
  }, READ);
  if (reason !== undefined) return { kind: 'inconsistent', format: 'jpeg', reason };
  if (walk.how === 'corrupt' || broken || !scanned || frame === undefined) return { kind: 'unreadable', format: 'jpeg' };
  return { kind: 'image', format: 'jpeg', width: frame.width, height: frame.height, orientation: orientation ?? 1, frames: 1 };
}

function segment(marker: number, parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(4 + size);
  out.set([0xff, marker, (size + 2) >> 8, (size + 2) & 0xff]);
  let at = 4;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** APP segments that change how the image decodes: JFIF (colour space), ICC profiles, Adobe (colour transform). */
const APPEARANCE = new Map([[APP0, 'JFIF\0'], [APP2, 'ICC_PROFILE\0'], [APP14, 'Adobe']]);
const keptApp = (b: Uint8Array, marker: number, payload: number) => {
  const id = APPEARANCE.get(marker);
  return id !== undefined && startsWith(b, payload, id);
};
const JFIF_WITHOUT_THUMBNAIL = 14;
const EXIF_PREFIX = new TextEncoder().encode('Exif\0\0');

/** Drops APPn (but JFIF, ICC and Adobe), COM and anything after EOI; the first EXIF becomes its orientation alone. */
export function scrubJpeg(b: Uint8Array): Uint8Array {
  return splice(b, (edit) => {
    edit.keep(0, 2);
    let scanned = false;
    let exifSeen = false;
    const walk = walkJpeg(b, (marker, start, payload, end) => {
      const stop = Math.min(end, b.length);
      scanned ||= marker === SOS;
      if (marker === APP1 && !scanned && !exifSeen && startsWith(b, payload, 'Exif\0\0')) {
        exifSeen = true;
        const orientation = exifOrientation(b, payload, stop);
        if (orientation !== 1) edit.add(segment(APP1, [EXIF_PREFIX, minimalExif(orientation)]));
      } else if (marker === COM || (marker >= APP0 && marker <= APP15 && !keptApp(b, marker, payload))) {
        // Dropped: comments, EXIF, XMP, IPTC, MPF and maker blocks.
      } else if (marker === APP0 && stop - payload > JFIF_WITHOUT_THUMBNAIL) {
        // A JFIF thumbnail may show the picture as it was before an edit.
        edit.add(segment(APP0, [b.slice(payload, payload + JFIF_WITHOUT_THUMBNAIL - 2), new Uint8Array(2)]));
      } else {
        edit.keep(start, stop);
      }
    });
    if (walk.how === 'corrupt') edit.keep(walk.at, b.length);
  });
}
