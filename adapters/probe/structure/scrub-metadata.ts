import { scrubGif } from './gif.ts';
import { scrubJpeg } from './jpeg.ts';
import { scrubPng } from './png.ts';
import { formatOf } from './read-structure.ts';
import type { StructureFormat } from './read-structure.ts';
import { scrubWebp } from './webp.ts';

const SCRUBBERS: Record<StructureFormat, (b: Uint8Array) => Uint8Array> = { jpeg: scrubJpeg, png: scrubPng, gif: scrubGif, webp: scrubWebp };

/**
 * Removes what can identify a person or a place (EXIF but its orientation, XMP, IPTC, comments, maker
 * blocks, anything after the image's end) and keeps what changes how the image looks (ICC profiles,
 * colour and transparency chunks, animation control, the orientation). Blocks are copied or dropped
 * whole, so the compressed image data, and with it every decoded pixel, is untouched. A file with
 * nothing to remove is returned as the same object.
 *
 * Meant for files readStructure accepted as 'image' of `format`; it throws if the magic bytes name
 * another format, since scrubbing the wrong way would keep what it should remove.
 */
export function scrubMetadata(bytes: Uint8Array, format: StructureFormat): Uint8Array {
  const actual = formatOf(bytes);
  if (actual !== format) throw new TypeError(`scrubMetadata was asked for ${format}, the bytes are ${actual ?? 'no known image format'}`);
  return SCRUBBERS[format](bytes);
}
