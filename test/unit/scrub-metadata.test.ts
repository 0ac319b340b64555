import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readStructure } from '../../adapters/probe/structure/read-structure.ts';
import { scrubMetadata } from '../../adapters/probe/structure/scrub-metadata.ts';
import { pngChunk } from '../support/images.ts';
import type { TestFormat } from '../support/images.ts';
import {
  exifSegment, gifExtension, gifWithBlock, jpegBetweenScans, jpegSegment, jpegWithSegment, pngChunks, pngWithChunk, realImages,
  riffChunk, riffChunks, webpWithChunk,
} from '../support/lying-images.ts';
import type { RealImage } from '../support/lying-images.ts';

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Marks the running test pending, with the reason in its title, rather than letting it pass untested. */
function needsExiftool(context: Mocha.Context): void {
  if (hasExiftool) return;
  if (context.test) context.test.title += ' (pending: exiftool is not on the PATH)';
  context.skip();
}

/** What the brief calls identifying: location, camera and owner, XMP, IPTC and comments. */
const IDENTIFYING = [
  '-GPSLatitude=48.85', '-GPSLatitudeRef=N', '-GPSLongitude=2.35', '-GPSLongitudeRef=E', '-Make=Phone', '-Model=X',
  '-SerialNumber=123', '-XMP:Creator=someone', '-IPTC:Keywords=secret', '-Comment=hello',
];

/** exiftool -G1 keys ("Group:Tag") that identify someone or somewhere. */
function identifyingTags(tags: Record<string, unknown>): string[] {
  return Object.keys(tags).filter((key) => {
    const [group = '', tag = ''] = key.split(':');
    return /GPS/i.test(key) || ['Make', 'Model', 'SerialNumber', 'Creator', 'Keywords', 'Comment'].includes(tag)
      || group.startsWith('XMP') || group === 'IPTC' || group === 'ExifIFD' || group === 'Photoshop';
  });
}

const decoded = (bytes: Uint8Array) => sharp(bytes, { pages: -1 }).raw().toBuffer(); // no autoOrient: the stored pixels

describe('scrubMetadata', () => {
  let images: RealImage[];
  let folder: string;
  let files = 0;

  const image = (name: string): Buffer => {
    const found = images.find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no test image named ${name}`);
    return found.bytes;
  };
  const fileOf = (bytes: Uint8Array, format: TestFormat) => {
    const file = join(folder, `${files++}.${format === 'jpeg' ? 'jpg' : format}`);
    writeFileSync(file, bytes);
    return file;
  };
  const withIdentifyingMetadata = (bytes: Uint8Array, format: TestFormat): Buffer => {
    const file = fileOf(bytes, format);
    execFileSync('exiftool', ['-overwrite_original', '-q', '-q', ...IDENTIFYING, file]);
    return readFileSync(file);
  };
  const exiftool = (bytes: Uint8Array, format: TestFormat): Record<string, unknown> => {
    const [tags] = JSON.parse(execFileSync('exiftool', ['-j', '-G1', '-a', fileOf(bytes, format)], { encoding: 'utf8' })) as Array<Record<string, unknown>>;
    return tags ?? {};
  };

  before(async () => {
    images = await realImages();
    images.push({ name: 'animated webp with a P3 profile', format: 'webp', bytes: await sharp(image('animated webp'), { pages: -1 }).withIccProfile('p3').webp({ loop: 0 }).toBuffer() });
    folder = mkdtempSync(join(tmpdir(), 'scrub-metadata-'));
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  describe('on files tagged by exiftool with location, camera, owner, XMP, IPTC and a comment', () => {
    const cases = [
      'jpeg with orientation 6 and a P3 profile', 'progressive jpeg with orientation 8', 'baseline jpeg', 'cmyk jpeg (Adobe APP14)',
      'interlaced png with orientation 6 and a P3 profile', 'palette png', 'animated gif', 'gif',
      'webp with orientation 6 and a P3 profile', 'lossless webp (VP8L)', 'animated webp with a P3 profile',
    ];
    for (const name of cases) {
      it(`${name}: removes them all, keeps the look, the profile and the orientation`, async function () {
        needsExiftool(this);
        const { format, bytes: original } = images.find((candidate) => candidate.name === name)!;
        const tagged = withIdentifyingMetadata(original, format);
        expect(identifyingTags(exiftool(tagged, format)), 'exiftool wrote the metadata').to.have.length.above(0);

        const scrubbed = scrubMetadata(tagged, format);
        const tags = exiftool(scrubbed, format);
        expect(identifyingTags(tags), JSON.stringify(tags, null, 1)).to.deep.equal([]);
        expect(readStructure(scrubbed)).to.deep.equal(readStructure(tagged)).and.to.include({ kind: 'image' });

        const [before, after] = await Promise.all([sharp(tagged).metadata(), sharp(scrubbed).metadata()]);
        expect(after.orientation, 'orientation').to.equal(before.orientation === 1 ? undefined : before.orientation);
        expect(after.icc, 'ICC profile').to.deep.equal(before.icc);
        if (before.icc) expect(Object.keys(tags).some((key) => key.startsWith('ICC'))).to.equal(true);
        expect(after.loop).to.equal(before.loop);
        expect(await decoded(scrubbed)).to.deep.equal(await decoded(tagged));
      });
    }

    it('leaves no EXIF at all when the orientation was 1', async function () {
      needsExiftool(this);
      const tagged = withIdentifyingMetadata(image('baseline jpeg'), 'jpeg');
      expect((await sharp(tagged).metadata()).exif).not.to.equal(undefined);
      expect((await sharp(scrubMetadata(tagged, 'jpeg')).metadata()).exif).to.equal(undefined);
    });
  });

  describe('without exiftool', () => {
    it('returns a file with nothing to remove as the very same bytes', () => {
      const plain = images.filter(({ name }) => !/orientation|profile|cmyk/.test(name));
      expect(plain.length).to.be.above(8);
      for (const { name, format, bytes } of plain) expect(scrubMetadata(bytes, format), name).to.equal(bytes);
    });

    it('drops the EXIF sharp itself writes, keeping only a non-1 orientation', async () => {
      const pixels = { create: { width: 16, height: 16, channels: 3, background: '#39c' } } as const;
      const exif = { IFD0: { Make: 'Phone', Model: 'X', Artist: 'someone' } };
      for (const format of ['jpeg', 'png', 'webp'] as const) {
        const plain = await sharp(pixels).withExif(exif).toFormat(format).toBuffer();
        const rotated = await sharp(pixels).withExif(exif).withMetadata({ orientation: 5 }).toFormat(format).toBuffer();
        expect(plain.includes('someone') && rotated.includes('someone'), format).to.equal(true);
        const [scrubbedPlain, scrubbedRotated] = [Buffer.from(scrubMetadata(plain, format)), Buffer.from(scrubMetadata(rotated, format))];
        expect(scrubbedPlain.includes('someone') || scrubbedRotated.includes('someone'), format).to.equal(false);
        expect((await sharp(scrubbedPlain).metadata()).exif, format).to.equal(undefined);
        expect((await sharp(scrubbedRotated).metadata()).orientation, format).to.equal(5);
      }
    });

    it('rewrites EXIF as the orientation alone, in either byte order, and drops it when 1', async () => {
      const jpeg = image('baseline jpeg');
      for (const order of ['II', 'MM'] as const) {
        const scrubbed = scrubMetadata(jpegWithSegment(jpeg, exifSegment(3, order)), 'jpeg');
        expect((await sharp(scrubbed).metadata()).orientation).to.equal(3);
        expect(scrubMetadata(jpegWithSegment(jpeg, exifSegment(1, order)), 'jpeg')).to.deep.equal(new Uint8Array(jpeg));
      }
      const png = scrubMetadata(pngWithChunk(image('rgb png'), pngChunk('eXIf', exifSegment(7, 'II').subarray(10))), 'png');
      expect((await sharp(png).metadata()).orientation).to.equal(7);
    });

    it('JPEG: drops comments and APP segments between scans, and a JFIF thumbnail', async () => {
      const progressive = image('progressive jpeg');
      const comment = jpegSegment(0xfe, Buffer.from('between the scans'));
      const xmp = jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>', 'latin1'));
      const dirty = jpegBetweenScans(jpegBetweenScans(progressive, comment), xmp);
      expect(scrubMetadata(dirty, 'jpeg')).to.deep.equal(new Uint8Array(progressive));

      const thumbnail = Buffer.concat([Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\x02\x01', 'latin1'), Buffer.alloc(6, 0x80)]);
      const withThumbnail = jpegWithSegment(image('baseline jpeg'), jpegSegment(0xe0, thumbnail));
      const scrubbed = Buffer.from(scrubMetadata(withThumbnail, 'jpeg'));
      expect(scrubbed.readUInt16BE(4)).to.equal(16); // a JFIF segment without a thumbnail
      expect(await decoded(scrubbed)).to.deep.equal(await decoded(withThumbnail));
    });

    it('JPEG: drops what follows EOI (MPF images, polyglot tails)', () => {
      const jpeg = image('baseline jpeg');
      expect(scrubMetadata(Buffer.concat([jpeg, jpeg]), 'jpeg')).to.deep.equal(new Uint8Array(jpeg));
    });

    it('PNG: drops text, time and private chunks, keeps the appearance chunks', async () => {
      const png = image('palette png');
      const kept = pngChunks(png).map((chunk) => chunk.type);
      let dirty = png;
      for (const chunk of [pngChunk('tIME', Buffer.alloc(7, 1)), pngChunk('prVt', Buffer.from('anything')), pngChunk('iTXt', Buffer.from('Author\0\0\0\0\0me'))]) {
        dirty = pngWithChunk(dirty, chunk);
      }
      const scrubbed = Buffer.from(scrubMetadata(dirty, 'png'));
      expect(pngChunks(scrubbed).map((chunk) => chunk.type)).to.deep.equal(kept);
      expect(await decoded(scrubbed)).to.deep.equal(await decoded(png));
    });

    it('GIF: drops comments and unknown application extensions, keeps the loop count', async () => {
      const gif = image('animated gif');
      const tracker = gifExtension(0xff, Buffer.from('TRACKER1.0\0user=42', 'latin1'));
      const dirty = gifWithBlock(gifWithBlock(gif, gifExtension(0xfe, Buffer.from('a comment'))), tracker);
      expect(scrubMetadata(dirty, 'gif')).to.deep.equal(new Uint8Array(gif));
      expect((await sharp(scrubMetadata(dirty, 'gif')).metadata()).loop).to.equal((await sharp(gif).metadata()).loop);
    });

    it('WebP: drops unknown chunks, at the top level and inside frames, fixing the sizes', async () => {
      const animated = image('animated webp');
      const dirty = webpWithChunk(webpWithChunk(animated, riffChunk('XTRA', Buffer.from('odd'))), riffChunk('UNKN', Buffer.from('in a frame')), 'in the first frame');
      const scrubbed = Buffer.from(scrubMetadata(dirty, 'webp'));
      expect(scrubbed.readUInt32LE(4)).to.equal(scrubbed.length - 8);
      expect(riffChunks(scrubbed).map((chunk) => chunk.type)).to.deep.equal(riffChunks(animated).map((chunk) => chunk.type));
      expect(readStructure(scrubbed)).to.deep.equal(readStructure(animated));
      expect(await decoded(scrubbed)).to.deep.equal(await decoded(animated));
    });

    it('WebP: sets the VP8X EXIF flag only when it writes an EXIF chunk', async () => {
      const rotated = image('webp with orientation 6 and a P3 profile');
      const scrubbed = Buffer.from(scrubMetadata(rotated, 'webp'));
      expect(scrubbed[20]! & 0x08).to.equal(0x08);
      expect(riffChunks(scrubbed).map((chunk) => chunk.type)).to.deep.equal(['VP8X', 'ICCP', 'VP8 ', 'EXIF']);
      expect((await sharp(scrubbed).metadata()).orientation).to.equal(6);
    });

    it('refuses bytes of another format than the one it is asked for', () => {
      expect(() => scrubMetadata(image('rgb png'), 'jpeg')).to.throw(TypeError, /asked for jpeg, the bytes are png/);
    });
  });
});
