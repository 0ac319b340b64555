import { expect } from 'chai';
import { StructureProbe } from '../../adapters/probe/structure-probe.ts';
import { MIME, avifLike, bmpImage, heicLike, makeImage, pngClaimingDimensions, svgImage, textFile, tiffImage, truncated } from '../support/images.ts';
import type { TestFormat } from '../support/images.ts';
import { jpegWithSecondSof } from '../support/lying-images.ts';

// A byte count that ends inside each format's dimension fields.
const HEADER_CUT: Record<TestFormat, number> = { jpeg: 12, png: 20, gif: 8, webp: 22 };

describe('structure probe: the ImageProbe port over the structural reader', () => {
  const probe = new StructureProbe();

  for (const format of ['jpeg', 'png', 'gif', 'webp'] as TestFormat[]) {
    it(`reads the type and dimensions of a ${format} from its header`, async () => {
      for (const [width, height] of [[50, 50], [333, 77], [4000, 4000], [4001, 49]] as const) {
        const result = await probe.probe(makeImage({ width, height, format }));
        expect(result, `${width}x${height}`).to.deep.equal({ contentType: MIME[format], width, height, orientation: 1, frames: 1 });
      }
    });

    it(`reports a ${format} cut inside its header as unreadable`, async () => {
      const whole = makeImage({ width: 300, height: 200, format, size: 4096 });
      const result = await probe.probe(truncated(whole, HEADER_CUT[format]));
      expect(result.width).to.equal(undefined);
    });
  }

  it('reads the declared dimensions of a tiny file without decoding it', async () => {
    expect(await probe.probe(pngClaimingDimensions(50_000, 60_000))).to.deep.include({ contentType: 'image/png', width: 50_000, height: 60_000 });
  });

  it('names other formats by their bytes, whatever they are called', async () => {
    expect((await probe.probe(bmpImage(100, 100))).contentType).to.equal('image/bmp');
    expect((await probe.probe(tiffImage(100, 100))).contentType).to.equal('image/tiff');
    expect((await probe.probe(avifLike(2048))).contentType).to.equal('image/avif');
    expect((await probe.probe(heicLike(2048))).contentType).to.equal('image/heic');
    expect((await probe.probe(svgImage(2048))).contentType).not.to.be.oneOf(Object.values(MIME));
    expect((await probe.probe(textFile(2048))).contentType).to.equal(undefined);
  });

  it('gives no dimensions when the header belongs to another format than the magic bytes', async () => {
    const gif = makeImage({ width: 100, height: 100, format: 'gif' });
    const png = makeImage({ width: 100, height: 100, format: 'png' });
    // PNG magic bytes followed by a GIF: the PNG header is missing.
    const polyglot = Buffer.concat([png.subarray(0, 8), gif]);
    expect((await probe.probe(polyglot)).width).to.equal(undefined);
  });

  it('reports why a file contradicts itself, and gives no dimensions to trust', async () => {
    const result = await probe.probe(jpegWithSecondSof(makeImage({ width: 120, height: 90, format: 'jpeg' }), 'before the first scan', 30_000, 30_000));
    expect(result.contentType).to.equal('image/jpeg');
    expect(result.inconsistency).to.match(/second frame header/);
    expect(result.width).to.equal(undefined);
  });
});
