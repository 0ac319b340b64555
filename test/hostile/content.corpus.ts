// Files judged by their bytes: formats, dimensions and truncation, sent under names and declared
// types that lie about them.
import {
  avifLike,
  bmpImage,
  headerClaimingDimensions,
  heicLike,
  losslessWebp,
  makeImage,
  pngClaimingDimensions,
  svgImage,
  textFile,
  tiffImage,
  zeroPadded,
} from '../support/images.ts';
import { upload } from '../support/upload.ts';
import { gifWithFrameAt, gifWithSmallScreen, jpegWithSecondSof, pngWithSecondIhdr, webpWithCanvas } from '../support/lying-images.ts';
import type { ByteDecided, Rejection } from './corpus.ts';

const KiB = 1024;

const sendFile = (file: () => Buffer, fileName: string, contentType: string) => (url: string) =>
  upload(url, { file: file(), fileName, contentType });

export const byteDecided: ByteDecided[] = [
  {
    name: 'a PNG sent as cat.jpg, image/jpeg',
    contentType: 'image/png',
    format: 'png',
    send: sendFile(() => makeImage({ width: 120, height: 90, format: 'png', size: 3000 }), 'cat.jpg', 'image/jpeg'),
  },
  {
    name: 'a JPEG declared as image/svg+xml',
    contentType: 'image/jpeg',
    format: 'jpeg',
    send: sendFile(() => makeImage({ width: 120, height: 90, format: 'jpeg', size: 3000 }), 'drawing.svg', 'image/svg+xml'),
  },
];

const claiming = (format: string, width: number, height: number, file: () => Buffer, fileName: string, whole = false): Rejection => ({
  name: `a 2 KiB ${format} declaring ${width}x${height}`,
  status: 400,
  code: 'validation_error',
  // A whole file's dimensions are refused by the size rule (its details show the header was read,
  // not decoded); a header padded out with zeros is no whole image, and is refused as unreadable.
  details: whole ? { width, height } : { field: 'file' },
  send: sendFile(file, fileName, `image/${format}`),
});

/** Tiny files whose headers claim sides no decoder should ever be asked to allocate. */
export const dimensionRejections: Rejection[] = [
  claiming('png', 50_000, 50_000, () => pngClaimingDimensions(50_000, 50_000), 'bomb.png', true),
  claiming('jpeg', 30_000, 30_000, () => headerClaimingDimensions('jpeg', 30_000, 30_000), 'bomb.jpg'),
  claiming('gif', 65_535, 65_535, () => headerClaimingDimensions('gif', 65_535, 65_535), 'bomb.gif'),
  claiming('webp', 16_383, 16_383, () => headerClaimingDimensions('webp', 16_383, 16_383), 'bomb.webp'),
];

const unsupported = (name: string, file: () => Buffer, fileName: string, contentType: string): Rejection => ({
  name: `${name} named ${fileName} (${contentType})`,
  status: 415,
  code: 'unsupported_media_type',
  send: sendFile(file, fileName, contentType),
});

export const foreignFormats: Rejection[] = [
  unsupported('an SVG with a <script>', () => svgImage(2 * KiB), 'logo.png', 'image/png'),
  unsupported('an AVIF', () => avifLike(2 * KiB), 'photo.jpg', 'image/jpeg'),
  unsupported('a BMP', () => bmpImage(100, 100), 'photo.gif', 'image/gif'),
  unsupported('a TIFF', () => tiffImage(100, 100), 'photo.webp', 'image/webp'),
  unsupported('a HEIC', () => heicLike(2 * KiB), 'IMG_0001.jpg', 'image/jpeg'),
];

const htmlPage = (): Buffer =>
  Buffer.from('<!DOCTYPE html><html><body><script>fetch("/images",{method:"DELETE"})</script></body></html>\n'.padEnd(2 * KiB));

export const nonImages: Rejection[] = [
  unsupported('plain text', () => textFile(2 * KiB), 'cat.jpg', 'image/jpeg'),
  unsupported('an HTML page with a <script>', htmlPage, 'funny.gif', 'image/gif'),
  unsupported('a PDF', () => zeroPadded(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), 2 * KiB), 'scan.png', 'image/png'),
  unsupported('a ZIP', () => zeroPadded(Buffer.from('PK\x03\x04\x14\x00\x00\x00\x00\x00', 'latin1'), 2 * KiB), 'archive.webp', 'image/webp'),
  unsupported('an ELF executable', () => zeroPadded(Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), 2 * KiB), 'holiday.jpg', 'image/jpeg'),
];

const whole = {
  png: () => makeImage({ width: 300, height: 200, format: 'png' }),
  jpeg: () => makeImage({ width: 300, height: 200, format: 'jpeg' }),
  gif: () => makeImage({ width: 300, height: 200, format: 'gif' }),
  webp: () => makeImage({ width: 300, height: 200, format: 'webp' }),
  losslessWebp: () => losslessWebp(300, 200),
};

// Cut, then zero-padded to 1 KiB so the size rule is not what refuses the file. While the magic
// bytes survive the format is still detected, so the file is an accepted format whose header
// cannot be read: 400, naming the file. Where the padding's zeros land on dimension bits, the
// header reads as a side under 50: 400 for the dimensions. Once the cut reaches into the magic
// bytes nothing names the format any more: 415, as for any non-image.
const cut = (what: string, image: keyof typeof whole, keep: number, status: 400 | 415, details?: Rejection['details']): Rejection => {
  const format = image === 'losslessWebp' ? 'webp' : image;
  return {
    name: `${what} cut after ${keep} bytes`,
    status,
    code: status === 400 ? 'validation_error' : 'unsupported_media_type',
    ...(details === undefined ? {} : { details }),
    send: sendFile(() => zeroPadded(whole[image]().subarray(0, keep), KiB), `cut.${format}`, `image/${format}`),
  };
};

const UNREADABLE = { field: 'file' };

export const truncatedFiles: Rejection[] = [
  cut('a PNG, inside IHDR,', 'png', 20, 400, UNREADABLE),
  cut('a JPEG, after its tables and before SOF0,', 'jpeg', 89, 400, UNREADABLE),
  cut('a GIF, inside the logical screen descriptor,', 'gif', 8, 400, UNREADABLE),
  cut('an extended WebP, inside VP8X,', 'webp', 22, 400, UNREADABLE),
  cut('a lossless WebP, inside the VP8L header,', 'losslessWebp', 22, 400, { width: 44, height: 1 }),
  cut('a PNG, inside its signature,', 'png', 7, 415),
  cut('a JPEG, inside SOI,', 'jpeg', 2, 415),
  cut('a GIF, inside "GIF89a",', 'gif', 2, 415),
  cut('a WebP, inside "WEBP",', 'webp', 11, 415),
];

const lying = (name: string, file: () => Buffer, fileName: string): Rejection => ({
  name,
  status: 400,
  code: 'validation_error',
  details: { field: 'file' },
  message: 'contradicts itself',
  send: sendFile(file, fileName, 'image/png'),
});

/**
 * Files whose headers say one image and whose blocks say another: a decoder could allocate or
 * show what the header hid, so they are refused whole, whatever sizes the headers declare.
 */
export const lyingHeaders: Rejection[] = [
  lying('a GIF whose 100x100 logical screen hides a 4500x4500 first frame', () => gifWithSmallScreen(4500, 4500, 100, 100), 'screen.gif'),
  lying('a GIF frame placed at offset 65000,65000', () => gifWithFrameAt(makeImage({ width: 100, height: 100, format: 'gif', size: 2048 }), 0, 65_000, 65_000), 'offset.gif'),
  lying('a JPEG with a second SOF of 30000x30000', () => jpegWithSecondSof(makeImage({ width: 100, height: 100, format: 'jpeg', size: 2048 }), 'before the first scan', 30_000, 30_000), 'sof.jpg'),
  lying('a JPEG with a second SOF after its first scan', () => jpegWithSecondSof(makeImage({ width: 100, height: 100, format: 'jpeg', size: 2048 }), 'after the first scan', 30_000, 30_000), 'late-sof.jpg'),
  lying('a PNG with a second IHDR of 50000x50000', () => pngWithSecondIhdr(makeImage({ width: 100, height: 100, format: 'png', size: 2048 }), 'after IHDR', 50_000, 50_000), 'ihdr.png'),
  lying('a WebP whose canvas disagrees with its frame', () => webpWithCanvas(makeImage({ width: 100, height: 100, format: 'webp', size: 2048 }), 4000, 4000), 'canvas.webp'),
];
