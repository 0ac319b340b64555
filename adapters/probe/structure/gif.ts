import { splice, startsWith, u16le } from './bytes.ts';
import type { WalkEnd } from './bytes.ts';
import type { Structure } from './read-structure.ts';

const [IMAGE, EXTENSION, TRAILER] = [0x2c, 0x21, 0x3b];
const SCREEN_END = 13; // signature and logical screen descriptor
/** Extensions are reported as one number: the introducer then the label. */
const extension = (label: number) => (EXTENSION << 8) | label;
const [PLAIN_TEXT, GRAPHIC_CONTROL, APPLICATION] = [extension(0x01), extension(0xf9), extension(0xff)];

const colourTableSize = (packed: number) => (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
const blocksStart = (b: Uint8Array) => SCREEN_END + colourTableSize(b[10] ?? 0);

/** The offset after the sub-block chain at `pos` (its 0 terminator included), past b.length if cut. */
function subBlocksEnd(b: Uint8Array, pos: number): number {
  while (pos < b.length) {
    const size = b[pos] ?? 0;
    if (size === 0) return pos + 1;
    pos += size + 1;
  }
  return Math.max(pos, b.length + 1);
}

/** A block is IMAGE, TRAILER or extension(label); a cut block is reported with `end` past b.length. */
type GifVisit = (block: number, start: number, end: number) => void;

/**
 * Calls `visit` for each block after the global colour table, up to the trailer. An image block spans
 * its descriptor, local colour table, LZW code size and data sub-blocks; it is reported once all but
 * the data are present.
 */
function walkGif(b: Uint8Array, visit: GifVisit): WalkEnd {
  for (let pos = blocksStart(b); ;) {
    if (pos >= b.length) return { how: 'cut' };
    const introducer = b[pos] ?? 0;
    let block: number;
    let end: number;
    if (introducer === TRAILER) {
      visit(TRAILER, pos, pos + 1);
      return { how: 'end', at: pos + 1 };
    } else if (introducer === IMAGE) {
      const data = pos + 10 + colourTableSize(b[pos + 9] ?? 0) + 1;
      if (data > b.length) return { how: 'cut' };
      [block, end] = [IMAGE, subBlocksEnd(b, data)];
    } else if (introducer === EXTENSION) {
      if (pos + 2 > b.length) return { how: 'cut' };
      [block, end] = [extension(b[pos + 1] ?? 0), subBlocksEnd(b, pos + 2)];
    } else {
      return { how: 'corrupt', at: pos };
    }
    visit(block, pos, end);
    if (end > b.length) return { how: 'cut' };
    pos = end;
  }
}

export function readGif(b: Uint8Array): Structure {
  const [width, height] = [u16le(b, 6), u16le(b, 8)];
  if (blocksStart(b) > b.length || width === 0 || height === 0) return { kind: 'unreadable', format: 'gif' };
  let frames = 0;
  let reason: string | undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength); // per-frame reads: see bytes.ts
  const walk = walkGif(b, (block, start) => {
    if (block !== IMAGE) return;
    const [left, top] = [view.getUint16(start + 1, true), view.getUint16(start + 3, true)];
    const [w, h] = [view.getUint16(start + 5, true), view.getUint16(start + 7, true)];
    frames++;
    // Browsers grow the screen to fit such a frame; other decoders crop it or refuse the file.
    if (left + w > width || top + h > height) {
      reason ??= `frame ${frames} (${w}x${h} at ${left},${top}) falls outside the ${width}x${height} logical screen`;
    }
  });
  if (reason !== undefined) return { kind: 'inconsistent', format: 'gif', reason };
  if (walk.how === 'corrupt' || frames === 0) return { kind: 'unreadable', format: 'gif' };
  return { kind: 'image', format: 'gif', width, height, orientation: 1, frames };
}

/** Loop count, and the ICC profile extension some encoders write. */
const KEPT_APPLICATIONS = ['NETSCAPE2.0', 'ANIMEXTS1.0', 'ICCRGBG1012'];

const keptBlock = (b: Uint8Array, block: number, start: number) =>
  block === IMAGE || block === TRAILER || block === GRAPHIC_CONTROL || block === PLAIN_TEXT
  || (block === APPLICATION && b[start + 2] === 11 && KEPT_APPLICATIONS.some((id) => startsWith(b, start + 3, id)));

/** Drops comments, other application extensions (XMP among them), unknown extensions and anything after the trailer. */
export function scrubGif(b: Uint8Array): Uint8Array {
  return splice(b, (edit) => {
    edit.keep(0, blocksStart(b));
    const walk = walkGif(b, (block, start, end) => {
      if (keptBlock(b, block, start)) edit.keep(start, Math.min(end, b.length));
    });
    if (walk.how === 'corrupt') edit.keep(walk.at, b.length);
  });
}
