import { startsWith } from './bytes.ts';
import { readGif } from './gif.ts';
import { readJpeg } from './jpeg.ts';
import { otherContentType } from './other-formats.ts';
import { readPng } from './png.ts';
import { readWebp } from './webp.ts';

export type StructureFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export type Structure =
  | { kind: 'image'; format: StructureFormat; width: number; height: number; orientation: number; frames: number }
  /** The file contradicts itself: decoders would not all read the image its header declares. */
  | { kind: 'inconsistent'; format: StructureFormat; reason: string }
  /** One of the four formats, but its header is cut off or corrupt. */
  | { kind: 'unreadable'; format: StructureFormat }
  | { kind: 'other'; contentType: string | undefined };

/** The format the magic bytes name, and nothing else: a header of another format after them is not looked for. */
export function formatOf(b: Uint8Array): StructureFormat | undefined {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (startsWith(b, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(b, 0, 'GIF87a') || startsWith(b, 0, 'GIF89a')) return 'gif';
  if (startsWith(b, 0, 'RIFF') && startsWith(b, 8, 'WEBP')) return 'webp';
  return undefined;
}

const READERS: Record<StructureFormat, (b: Uint8Array) => Structure> = { jpeg: readJpeg, png: readPng, gif: readGif, webp: readWebp };

/**
 * Walks the whole file, block by block, never decoding pixels: width and height as stored (before
 * EXIF orientation), the EXIF orientation, and the frame count. A file whose blocks disagree about
 * the image (a second frame header, a frame outside the canvas...) is 'inconsistent'. Linear in the
 * file size, and never throws: whatever goes wrong reads as 'unreadable'.
 */
export function readStructure(bytes: Uint8Array): Structure {
  const format = formatOf(bytes);
  try {
    return format === undefined ? { kind: 'other', contentType: otherContentType(bytes) } : READERS[format](bytes);
  } catch {
    return format === undefined ? { kind: 'other', contentType: undefined } : { kind: 'unreadable', format };
  }
}
