import { startsWith, u16be, u16le, u32be, u32le } from './bytes.ts';

const ORIENTATION = 0x0112;
const SHORT = 3;

/**
 * The Orientation (1..8) in IFD0 of the TIFF block in b[start, end), which may sit behind an
 * "Exif\0\0" prefix (JPEG always has it; libvips writes it into WebP too). Anything else gives 1:
 * decoders treat a missing or broken tag as "no rotation".
 */
export function exifOrientation(b: Uint8Array, start: number, end: number): number {
  const tiff = startsWith(b, start, 'Exif\0\0') ? start + 6 : start;
  const little = startsWith(b, tiff, 'II');
  if (!little && !startsWith(b, tiff, 'MM')) return 1;
  const u16 = (at: number) => (little ? u16le(b, tiff + at) : u16be(b, tiff + at));
  const u32 = (at: number) => (little ? u32le(b, tiff + at) : u32be(b, tiff + at));
  const size = Math.min(end, b.length) - tiff;
  if (size < 8 || u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > size) return 1;
  // At most 65535 entries, each looked at once: the work is bounded by the block's size.
  for (let i = 0, count = u16(ifd); i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > size) return 1;
    if (u16(entry) !== ORIENTATION) continue;
    const value = u16(entry + 8);
    return u16(entry + 2) === SHORT && u32(entry + 4) === 1 && value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/** A complete TIFF block (no "Exif" prefix) whose IFD0 holds only the Orientation tag. */
export function minimalExif(orientation: number): Uint8Array {
  return Uint8Array.of(
    0x4d, 0x4d, 0, 42, 0, 0, 0, 8, // big-endian, IFD0 at offset 8
    0, 1, // one entry
    0x01, 0x12, 0, SHORT, 0, 0, 0, 1, 0, orientation, 0, 0,
    0, 0, 0, 0, // no IFD1 (so no thumbnail)
  );
}
