import { expect } from 'chai';
import sharp from 'sharp';
import { readStructure } from '../../adapters/probe/structure/read-structure.ts';
import type { Structure } from '../../adapters/probe/structure/read-structure.ts';
import { scrubMetadata } from '../../adapters/probe/structure/scrub-metadata.ts';
import { avifLike, bmpImage, heicLike, pngChunk, svgImage, textFile, tiffImage } from '../support/images.ts';
import {
  apng, exifSegment, gifWithFrameAt, gifWithSmallScreen, headerEnd, jpegWithHeightZero, jpegWithSecondSof,
  jpegWithSegment, jpegWithSofBetweenScans, pngWithChunk, pngWithChunkBeforeIhdr, pngWithSecondIhdr, realImages,
  webpWithCanvas, webpWithFrameAt, webpWithSecondBitstream, webpWithVp8Size,
} from '../support/lying-images.ts';
import type { RealImage } from '../support/lying-images.ts';
import { COSTLY_FILES } from '../support/costly-images.ts';

const MiB = 1024 * 1024;
const MAGIC_LENGTH = { jpeg: 3, png: 8, gif: 6, webp: 12 } as const;

function image(images: RealImage[], name: string): Buffer {
  const found = images.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no test image named ${name}`);
  return found.bytes;
}

function expectInconsistent(bytes: Uint8Array, reasonPattern: RegExp): void {
  const structure = readStructure(bytes);
  expect(structure.kind, JSON.stringify(structure)).to.equal('inconsistent');
  if (structure.kind === 'inconsistent') expect(structure.reason).to.match(reasonPattern);
}

/** Small deterministic PRNG (mulberry32): a failing fuzz case can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function wellFormed(structure: Structure): boolean {
  if (structure.kind !== 'image') return ['inconsistent', 'unreadable', 'other'].includes(structure.kind);
  const { width, height, orientation, frames } = structure;
  return [width, height, frames].every((n) => Number.isInteger(n) && n >= 1) && orientation >= 1 && orientation <= 8;
}

describe('readStructure', () => {
  let images: RealImage[];
  before(async () => {
    images = await realImages();
  });

  describe('real files, checked against sharp', () => {
    it('reads format, stored width and height, orientation and frames as libvips does', async () => {
      for (const { name, format, bytes } of images) {
        const metadata = await sharp(bytes).metadata();
        expect(readStructure(bytes), name).to.deep.equal({
          kind: 'image', format, width: metadata.width, height: metadata.pageHeight ?? metadata.height,
          orientation: metadata.orientation ?? 1, frames: metadata.pages ?? 1,
        });
      }
    });

    it('counts the frames of an animated GIF and WebP', () => {
      expect(readStructure(image(images, 'animated gif'))).to.include({ frames: 3 });
      expect(readStructure(image(images, 'animated webp'))).to.include({ frames: 3 });
    });

    it('reads an APNG: the IHDR size and the acTL frame count', async () => {
      const bytes = apng(40, 30, [{ width: 40, height: 30, x: 0, y: 0 }, { width: 20, height: 10, x: 20, y: 20 }, { width: 40, height: 30, x: 0, y: 0 }]);
      const metadata = await sharp(bytes).metadata(); // libvips shows the default image only
      expect(readStructure(bytes)).to.deep.equal({ kind: 'image', format: 'png', width: metadata.width, height: metadata.height, orientation: 1, frames: 3 });
    });

    it('reads the EXIF orientation in either byte order, and ignores an invalid one', () => {
      const jpeg = image(images, 'baseline jpeg');
      for (const order of ['II', 'MM'] as const) {
        for (const orientation of [1, 3, 5, 8]) {
          expect(readStructure(jpegWithSegment(jpeg, exifSegment(orientation, order)))).to.include({ orientation });
        }
        expect(readStructure(jpegWithSegment(jpeg, exifSegment(9, order)))).to.include({ kind: 'image', orientation: 1 });
        expect(readStructure(jpegWithSegment(jpeg, exifSegment(0, order)))).to.include({ kind: 'image', orientation: 1 });
      }
      const png = image(images, 'rgb png');
      expect(readStructure(pngWithChunk(png, pngChunk('eXIf', exifSegment(5, 'MM').subarray(10))))).to.include({ orientation: 5 });
    });

    it('allows trailing bytes after the end of the image', () => {
      const trailer = Buffer.from('PK\x03\x04 trailing bytes of something else');
      for (const { name, bytes, format } of images) {
        if (format === 'webp') continue; // a RIFF container has a size instead of an end marker; covered below
        expect(readStructure(Buffer.concat([bytes, trailer])), name).to.deep.equal(readStructure(bytes));
      }
      const webp = image(images, 'lossy webp (VP8)');
      expect(readStructure(Buffer.concat([webp, trailer]))).to.deep.equal(readStructure(webp));
    });
  });

  describe('files that lie', () => {
    it('JPEG: a second SOF of 30000x30000 before the first scan', () => {
      expectInconsistent(jpegWithSecondSof(image(images, 'baseline jpeg'), 'before the first scan', 30000, 30000), /second frame header.*30000x30000/);
    });

    it('JPEG: a second SOF after the first scan, skipping the entropy-coded data to find it', () => {
      expectInconsistent(jpegWithSecondSof(image(images, 'baseline jpeg'), 'after the first scan', 30000, 30000), /second frame header/);
      expectInconsistent(jpegWithSecondSof(image(images, 'progressive jpeg'), 'after the first scan', 30000, 30000), /second frame header/);
    });

    it('JPEG: a second SOF between the scans of a progressive file', () => {
      expectInconsistent(jpegWithSofBetweenScans(image(images, 'progressive jpeg'), 30000, 30000), /second frame header/);
    });

    it('JPEG: a second SOF declaring the same size is still refused', () => {
      expectInconsistent(jpegWithSecondSof(image(images, 'baseline jpeg'), 'after the first scan', 64, 48), /second frame header/);
    });

    it('JPEG: two EXIF blocks with different orientations', () => {
      const jpeg = image(images, 'baseline jpeg');
      expectInconsistent(jpegWithSegment(jpegWithSegment(jpeg, exifSegment(6, 'II')), exifSegment(1, 'MM')), /orientations/);
    });

    it('JPEG: a SOF with height 0 (left to a DNL marker) is unreadable', () => {
      expect(readStructure(jpegWithHeightZero(image(images, 'baseline jpeg')))).to.deep.equal({ kind: 'unreadable', format: 'jpeg' });
    });

    it('PNG: a second IHDR of 50000x50000, right after the first or after IDAT', () => {
      const png = image(images, 'rgb png');
      expectInconsistent(pngWithSecondIhdr(png, 'after IHDR', 50000, 50000), /second IHDR.*50000x50000/);
      expectInconsistent(pngWithSecondIhdr(png, 'after IDAT', 50000, 50000), /second IHDR/);
    });

    it('PNG: IHDR not first', () => {
      expectInconsistent(pngWithChunkBeforeIhdr(image(images, 'rgb png')), /first chunk is not IHDR/);
    });

    it('APNG: a frame outside the canvas, a first frame of another size, a wrong frame count', () => {
      const whole = { width: 40, height: 30, x: 0, y: 0 };
      expectInconsistent(apng(40, 30, [whole, { width: 4000, height: 4000, x: 0, y: 0 }]), /outside the 40x30 canvas/);
      expectInconsistent(apng(40, 30, [whole, { width: 10, height: 10, x: 35, y: 0 }]), /outside/);
      expectInconsistent(apng(40, 30, [{ ...whole, width: 20 }, whole]), /first APNG frame is 20x30/);
      expectInconsistent(apng(40, 30, [whole, whole], 5), /acTL declares 5 frames/);
    });

    it('PNG and WebP: an orientation that libpng or libwebp readers ignore and others may apply', () => {
      const png = image(images, 'rgb png');
      const exif = (orientation: number) => pngChunk('eXIf', exifSegment(orientation, 'MM').subarray(10));
      expectInconsistent(pngWithChunk(png, exif(6), 'before IEND'), /eXIf chunk after IDAT gives orientation 6/);
      expect(readStructure(pngWithChunk(png, exif(1), 'before IEND'))).to.include({ kind: 'image', orientation: 1 });
      const webp = Buffer.from(image(images, 'webp with orientation 6 and a P3 profile'));
      webp[20] = webp[20]! & ~0x08; // the VP8X EXIF flag
      expectInconsistent(webp, /EXIF chunk the VP8X flags do not announce gives orientation 6/);
    });

    it('GIF: a 100x100 logical screen hiding a 4500x4500 first frame', () => {
      expectInconsistent(gifWithSmallScreen(4500, 4500, 100, 100), /frame 1 \(4500x4500 at 0,0\) falls outside the 100x100 logical screen/);
    });

    it('GIF: a frame placed at 65000,65000, first or later', () => {
      expectInconsistent(gifWithFrameAt(image(images, 'gif'), 0, 65000, 65000), /at 65000,65000/);
      expectInconsistent(gifWithFrameAt(image(images, 'animated gif'), 2, 65000, 65000), /frame 3/);
    });

    it('WebP: a VP8X canvas that disagrees with the VP8 or VP8L bitstream', () => {
      expectInconsistent(webpWithCanvas(image(images, 'lossy webp with alpha (VP8X, ALPH)'), 4000, 4000), /canvas is 4000x4000, the bitstream 64x48/);
      expectInconsistent(webpWithCanvas(image(images, 'lossless webp with a P3 profile (VP8X, VP8L)'), 4000, 4000), /bitstream 64x48/);
      expectInconsistent(webpWithVp8Size(image(images, 'webp with orientation 6 and a P3 profile'), 16000, 16000), /bitstream 16000x16000/);
    });

    it('WebP: an animation frame outside the canvas', () => {
      expectInconsistent(webpWithFrameAt(image(images, 'animated webp'), 0, 65000, 0), /frame 1 .* at 65000,0\) falls outside the 64x48 canvas/);
      expectInconsistent(webpWithFrameAt(image(images, 'animated webp'), 2, 2, 2), /frame 3/);
    });

    it('WebP: a second bitstream in a simple file, animation frames without the animation flag', () => {
      expectInconsistent(webpWithSecondBitstream(image(images, 'lossy webp (VP8)')), /second image chunk/);
      const animated = Buffer.from(image(images, 'animated webp'));
      animated[20] = animated[20]! & ~0x02;
      expectInconsistent(animated, /not flagged as animated/);
    });

    it('WebP: a VP8 header read from the bitstream is the size of a simple file', () => {
      const simple = webpWithVp8Size(image(images, 'lossy webp (VP8)'), 5000, 40);
      expect(readStructure(simple)).to.include({ width: 5000, height: 40 });
    });
  });

  describe('cut or corrupt headers', () => {
    it('reports a file cut anywhere inside its header as unreadable, never throwing', () => {
      for (const real of images) {
        const end = headerEnd(real);
        for (let cut = MAGIC_LENGTH[real.format]; cut < end; cut++) {
          expect(readStructure(real.bytes.subarray(0, cut)), `${real.name} cut at ${cut} of ${end}`).to.deep.equal({ kind: 'unreadable', format: real.format });
        }
        // From the header on, a cut file still says what it is: the pixels are the decoder's business.
        expect(readStructure(real.bytes.subarray(0, end)), `${real.name} cut at ${end}`).to.include({ kind: 'image' });
      }
    });

    it('reports zeroed, oversized or impossible header fields as unreadable', () => {
      const png = Buffer.from(image(images, 'rgb png'));
      png[24] = 7; // bit depth 7 does not exist
      expect(readStructure(png)).to.deep.equal({ kind: 'unreadable', format: 'png' });
      const gif = Buffer.from(image(images, 'gif'));
      gif.writeUInt16LE(0, 6);
      expect(readStructure(gif)).to.deep.equal({ kind: 'unreadable', format: 'gif' });
      const vp8l = Buffer.from(image(images, 'lossless webp (VP8L)'));
      vp8l[20] = 0x2e; // not the VP8L signature
      expect(readStructure(vp8l)).to.deep.equal({ kind: 'unreadable', format: 'webp' });
      const jpeg = Buffer.from(image(images, 'baseline jpeg'));
      jpeg[3] = 0x02; // a marker libjpeg does not know
      expect(readStructure(jpeg)).to.deep.equal({ kind: 'unreadable', format: 'jpeg' });
    });
  });

  describe('other formats', () => {
    it('names common formats by their magic bytes', async () => {
      const realAvif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#39c' } }).avif().toBuffer();
      const ico = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0]), Buffer.alloc(60)]);
      const mif1 = (compatible: string) => Buffer.from(`\0\0\0\x18ftypmif1\0\0\0\0${compatible}`, 'latin1');
      const cases: Array<[string, Buffer, string | undefined]> = [
        ['bmp', bmpImage(10, 10), 'image/bmp'],
        ['tiff (II)', tiffImage(10, 10), 'image/tiff'],
        ['tiff (MM)', Buffer.from('MM\0*\0\0\0\x08', 'latin1'), 'image/tiff'],
        ['avif (hand-made)', avifLike(), 'image/avif'],
        ['avif (sharp)', realAvif, 'image/avif'],
        ['heic', heicLike(), 'image/heic'],
        ['mif1 with an avif brand', mif1('avif'), 'image/avif'],
        ['mif1 with a heic brand', mif1('heic'), 'image/heic'],
        ['an mp4', Buffer.from('\0\0\0\x18ftypisom\0\0\0\0isomiso2', 'latin1'), undefined],
        ['svg', svgImage(), 'image/svg+xml'],
        ['svg with BOM, comment and doctype', Buffer.from('\xef\xbb\xbf\n<!-- made by hand -->\n<!DOCTYPE svg [ <!ENTITY a "b>"> ]>\n<svg xmlns="http://www.w3.org/2000/svg"/>', 'latin1'), 'image/svg+xml'],
        ['svg with no prolog', Buffer.from('<svg>'), 'image/svg+xml'],
        ['other xml', Buffer.from('<?xml version="1.0"?><html/>'), undefined],
        ['ico', ico, 'image/x-icon'],
        ['pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\n1 0 obj', 'latin1'), 'application/pdf'],
        ['text', textFile(), undefined],
        ['text starting with BM', Buffer.from('BMW sales figures, 2024 and 2025'), undefined],
        ['a wav (RIFF, not WEBP)', Buffer.from('RIFF\x24\0\0\0WAVEfmt ', 'latin1'), undefined],
        ['nothing', Buffer.alloc(0), undefined],
        ['two bytes of JPEG', Buffer.from([0xff, 0xd8]), undefined],
      ];
      for (const [name, bytes, contentType] of cases) expect(readStructure(bytes), name).to.deep.equal({ kind: 'other', contentType });
    });
  });

  describe('hostile input', () => {
    it('survives a few thousand mutated real files: never throws, answers sensibly, and a scrub changes nothing it reads', function () {
      this.timeout(120_000);
      const next = random(20240601);
      const pick = (n: number) => Math.floor(next() * n);
      const kinds: Record<string, number> = {};
      for (let round = 0; round < 4000; round++) {
        const source = images[round % images.length]!.bytes;
        let bytes = Buffer.from(source);
        for (let m = 1 + pick(6); m > 0; m--) {
          const at = pick(bytes.length);
          const mutation = pick(6);
          if (mutation === 0) bytes[at] = pick(256);
          else if (mutation === 1) bytes[at] = [0x00, 0xff, 0xd8, 0xd9, 0xda, 0xc0, 0x2c, 0x21, 0x3b][pick(9)]!;
          else if (mutation === 2) bytes = bytes.subarray(0, at);
          else if (mutation === 3) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(pick(bytes.length)).subarray(0, 1 + pick(64)), bytes.subarray(at)]);
          else if (mutation === 4) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + pick(16)))]);
          else if (bytes.length >= 2) bytes.writeUInt16BE(pick(65536), Math.min(at, bytes.length - 2));
        }
        const structure = readStructure(bytes);
        expect(wellFormed(structure), `round ${round}: ${JSON.stringify(structure)}`).to.equal(true);
        kinds[structure.kind] = (kinds[structure.kind] ?? 0) + 1;
        if (structure.kind === 'image') {
          expect(readStructure(scrubMetadata(bytes, structure.format)), `round ${round}`).to.deep.equal(structure);
        }
      }
      // The mutations must reach every verdict, or the loop proves little.
      expect(Object.keys(kinds)).to.include.members(['image', 'unreadable', 'inconsistent']);
    });

    it('reads a real 10 MiB JPEG with its orientation, and scrubs it into a real copy (timed in npm run bench)', async () => {
      const noise = { type: 'gaussian', mean: 128, sigma: 120 } as const;
      const jpeg = await sharp({ create: { width: 2000, height: 1800, channels: 3, background: '#888', noise } })
        .withMetadata({ orientation: 6 }).withIccProfile('p3').jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
      expect(jpeg.length).to.be.above(10 * MiB);
      expect(readStructure(jpeg)).to.deep.equal({ kind: 'image', format: 'jpeg', width: 2000, height: 1800, orientation: 6, frames: 1 });
      expect(scrubMetadata(jpeg, 'jpeg')).not.to.equal(jpeg); // the EXIF shrinks to its orientation: a real copy
    });

    describe('10 MiB files built to cost the most per byte (their times: npm run bench)', () => {
      for (const { name, format, expect: kind, build } of COSTLY_FILES) {
        it(`${name}: read as ${kind === 'image' ? 'an image' : 'inconsistent'}, and scrubbed without a change to what is read`, () => {
          const bytes = build();
          expect(bytes.length).to.be.within(10 * MiB - 64, 11 * MiB);
          const structure = readStructure(bytes);
          expect(structure).to.include({ kind, format });
          if (structure.kind === 'image') expect(readStructure(scrubMetadata(bytes, format))).to.deep.equal(structure);
        });
      }
    });
  });
});
