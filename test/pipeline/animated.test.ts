// Animated GIF and WebP: the thumb is the first frame, still; the display variant moves while
// frames x pixels stays within the documented budget, and is the first frame, still, past it.
import { expect } from 'chai';
import { ANIMATION_PIXEL_BUDGET } from '../../adapters/sharp/sharp-image-processor.ts';
import { startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { animatedGif, animatedWebp } from '../support/images.ts';
import { FRAME_COLOURS, bandColour, described, near, smallAnimation } from '../support/photos.ts';
import { PIPELINE_SETUPS, download, getImage, uploadFile } from '../support/pipeline.ts';
import type { PipelineView } from '../support/pipeline.ts';

/** Within the budget, and larger than the display box, so every frame is scaled down to 1080x810. */
const SMALL = { width: 1200, height: 900, frames: 3, display: { width: 1080, height: 810 } };
const TURNED = { width: 240, height: 160 };
/** Full-size display frames (1080x1080 from 2000x2000) enough to pass the budget by one frame and more. */
const LARGE = { side: 2000, frames: Math.floor(ANIMATION_PIXEL_BUDGET / (1080 * 1080)) + 1 };

/** The first frame's top band of the hand-made animations: palette entry 0 (GIF), the first VP8L colour (WebP). */
const FIRST_FRAME_TOP = { gif: { r: 0, g: 0, b: 0 }, webp: { r: 0x33, g: 0x99, b: 0xcc } };

/** Made once: sharp takes a moment to encode a GIF of this size. */
const smallAnimations = new Map<'gif' | 'webp', Promise<Buffer>>();
const small = (format: 'gif' | 'webp'): Promise<Buffer> => {
  if (!smallAnimations.has(format)) smallAnimations.set(format, smallAnimation(format, SMALL.width, SMALL.height, SMALL.frames));
  return smallAnimations.get(format)!;
};

for (const setup of PIPELINE_SETUPS) {
  describe(`pipeline: animations through ${setup.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(setup.entry, { processing: true, backend: setup.backend })));
    afterEach(() => app.close());

    const processed = async (file: Buffer, fileName: string): Promise<PipelineView> => {
      const { image_id: id } = await uploadFile(app.url, file, fileName);
      await app.processQueued();
      const image = await getImage(app.url, id);
      expect(image.status, image.status_reason).to.equal('ready');
      return image;
    };

    for (const format of ['gif', 'webp'] as const) {
      it(`${format} within the budget: a still first-frame thumb and a display that moves through every frame`, async () => {
        expect(SMALL.frames * SMALL.width * SMALL.height).to.be.below(ANIMATION_PIXEL_BUDGET);
        const image = await processed(await small(format), `loop.${format}`);

        const thumb = await download(image.thumbnail_url);
        expect(await described(thumb)).to.deep.include({ format: 'webp', frames: 1, width: 400, height: 400 });
        expect(near(await bandColour(thumb, 'top'), FRAME_COLOURS[0]!, 12), 'the thumb shows the first frame').to.equal(true);

        const display = await download(image.variants!.display.url);
        expect(image.variants!.display).to.deep.include(SMALL.display);
        expect(await described(display)).to.deep.include({ format: 'webp', frames: SMALL.frames, ...SMALL.display });
        for (let frame = 0; frame < SMALL.frames; frame++) {
          const top = await bandColour(display, 'top', frame);
          expect(near(top, FRAME_COLOURS[frame]!, 12), `display frame ${frame}: ${JSON.stringify(top)}`).to.equal(true);
        }
      });

      it(`${format} past the budget: both variants are the first frame, still`, async () => {
        const file = format === 'gif' ? animatedGif(LARGE.side, LARGE.side, LARGE.frames) : animatedWebp(LARGE.side, LARGE.side, LARGE.frames);
        const image = await processed(file, `long.${format}`);

        expect(image.variants!.display).to.deep.include({ width: 1080, height: 1080 });
        for (const url of [image.thumbnail_url, image.variants!.display.url]) {
          const variant = await download(url);
          expect(await described(variant)).to.deep.include({ format: 'webp', frames: 1 });
          expect(near(await bandColour(variant, 'top'), FIRST_FRAME_TOP[format], 8), 'the first frame').to.equal(true);
        }
      });
    }

    it('turns an animated WebP by its EXIF orientation in both variants (the display then still)', async () => {
      const file = await smallAnimation('webp', TURNED.width, TURNED.height, 3, 6);
      const { image_id: id, width, height } = await uploadFile(app.url, file, 'turned.webp');
      expect({ width, height }, 'sized as displayed').to.deep.equal({ width: TURNED.height, height: TURNED.width });
      await app.processQueued();
      const image = await getImage(app.url, id);

      expect(image.variants!.display).to.deep.include({ width: TURNED.height, height: TURNED.width });
      const display = await download(image.variants!.display.url);
      expect(await described(display)).to.deep.include({ frames: 1, width: TURNED.height, height: TURNED.width });
    });
  });
}
