// 10 MiB files built to cost a structural reader the most per byte: as many of the smallest
// structures a format allows as fit, around a real image. The tests check what they read as;
// bench/probe-worst-case.ts times them.
import { makeImage, pngChunk } from './images.ts';
import { riffChunk, riffChunks, webpWithChunk } from './lying-images.ts';

const MiB = 1024 * 1024;

/** As many whole copies of the pattern as fit in 10 MiB. */
const fill = (pattern: Iterable<number>): Buffer => {
  const unit = Buffer.from([...pattern]);
  return Buffer.alloc(Math.floor((10 * MiB) / unit.length) * unit.length, unit);
};

export interface CostlyFile {
  name: string;
  format: 'jpeg' | 'png' | 'gif' | 'webp';
  /** What the reader makes of it. */
  expect: 'image' | 'inconsistent';
  /** Built on demand: a dozen 10 MiB files would otherwise stay in memory for the whole run. */
  build(): Buffer;
}

const jpeg = () => makeImage({ width: 64, height: 48, format: 'jpeg' });
const sosOf = (j: Buffer) => j.indexOf(Buffer.from([0xff, 0xda]));
const scanOf = (j: Buffer) => sosOf(j) + 2 + j.readUInt16BE(sosOf(j) + 2);
const gifBlocksAt = 13 + 12; // screen descriptor and a 4-colour table

export const COSTLY_FILES: CostlyFile[] = [
  { name: 'JPEG: 2.6 million empty COM segments', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, sosOf(j)), fill([0xff, 0xfe, 0, 2]), j.subarray(sosOf(j))]); } },
  { name: 'JPEG: 10 MiB of fill bytes before a marker', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, sosOf(j)), fill([0xff]), j.subarray(sosOf(j))]); } },
  { name: 'JPEG: a scan of stuffed 0xFF00 bytes', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, scanOf(j)), fill([0xff, 0x00]), Buffer.from([0xff, 0xd9])]); } },
  { name: 'JPEG: a scan of restart markers', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, scanOf(j)), fill([0xff, 0xd0]), Buffer.from([0xff, 0xd9])]); } },
  // Each scan is a pass of the decoder over the whole image: past MAX_SCANS the file is refused.
  { name: 'JPEG: 1 million empty scans', format: 'jpeg', expect: 'inconsistent', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, scanOf(j)), fill(j.subarray(sosOf(j), scanOf(j))), Buffer.from([0xff, 0xd9])]); } },
  { name: 'JPEG: 2.6 million empty APP2 segments (not ICC profiles)', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, sosOf(j)), fill([0xff, 0xe2, 0, 2]), j.subarray(sosOf(j))]); } },
  { name: 'JPEG: alternating kept and dropped empty segments', format: 'jpeg', expect: 'image', build: () => { const j = jpeg(); return Buffer.concat([j.subarray(0, sosOf(j)), fill([0xff, 0xdb, 0, 2, 0xff, 0xfe, 0, 2]), j.subarray(sosOf(j))]); } },
  { name: 'PNG: 870 thousand empty text chunks', format: 'png', expect: 'image', build: () => { const p = makeImage({ width: 8, height: 8, format: 'png' }); return Buffer.concat([p.subarray(0, 33), fill(pngChunk('tEXt', Buffer.alloc(0))), p.subarray(33)]); } },
  { name: 'GIF: a comment of 5 million one-byte sub-blocks', format: 'gif', expect: 'image', build: () => { const g = makeImage({ width: 1, height: 1, format: 'gif' }); return Buffer.concat([g.subarray(0, gifBlocksAt), Buffer.from([0x21, 0xfe]), fill([1, 0x2e]), Buffer.from([0]), g.subarray(gifBlocksAt)]); } },
  { name: 'GIF: 700 thousand 1x1 frames', format: 'gif', expect: 'image', build: () => { const g = makeImage({ width: 1, height: 1, format: 'gif' }); return Buffer.concat([g.subarray(0, gifBlocksAt), fill(g.subarray(gifBlocksAt, g.length - 1)), Buffer.from([0x3b])]); } },
  { name: 'WebP: 1.3 million empty unknown chunks', format: 'webp', expect: 'image', build: () => webpWithChunk(makeImage({ width: 64, height: 48, format: 'webp' }), fill(Buffer.from('XXXX\0\0\0\0', 'latin1'))) },
  {
    name: 'WebP: 240 thousand animation frames',
    format: 'webp',
    expect: 'image',
    build: () => {
      const webp = makeImage({ width: 64, height: 48, format: 'webp' }); // VP8X then VP8L
      const vp8l = riffChunks(webp)[1]!;
      const frameHeader = Buffer.from([0, 0, 0, 0, 0, 0, 63, 0, 0, 47, 0, 0, 100, 0, 0, 0]); // at 0,0, 64x48, 100 ms
      const frame = riffChunk('ANMF', Buffer.concat([frameHeader, webp.subarray(vp8l.start, vp8l.end)]));
      const animatedHead = Buffer.concat([webp.subarray(0, 30), riffChunk('ANIM', Buffer.alloc(6))]);
      animatedHead[20] = 0x02; // the animation flag
      return webpWithChunk(animatedHead, fill(frame));
    },
  },
];
