// A variant is never produced for an image deleted meanwhile, nor left behind for one; and running
// the processor again (a redelivery, a sweep after a restart) changes nothing.
import { expect } from 'chai';
import request from 'supertest';
import { SharpImageProcessor } from '../../adapters/sharp/sharp-image-processor.ts';
import { resolve } from '../../apps/container.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { VARIANT_NAMES, variantKey } from '../../core/image.ts';
import type { ImageFormat } from '../../core/image.ts';
import type { ImageProcessor, RenderedImage } from '../../core/ports/image-processor.port.ts';
import { startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { plainPhoto } from '../support/photos.ts';
import { PIPELINE_SETUPS, download, getImage, uploadFile } from '../support/pipeline.ts';

/** The real processor, with a moment in the middle of each render where a test can act (delete the image). */
class InterruptibleProcessor implements ImageProcessor {
  private readonly sharp = new SharpImageProcessor();
  duringRender: () => Promise<void> = async () => {};

  async render(original: Uint8Array, format: ImageFormat): Promise<RenderedImage> {
    const rendered = await this.sharp.render(original, format);
    await this.duringRender();
    return rendered;
  }
}

for (const setup of PIPELINE_SETUPS) {
  describe(`pipeline: deleted meanwhile, processed twice, through ${setup.name}`, () => {
    let app: TestApp;
    let processor: InterruptibleProcessor;
    let photo: Buffer;
    before(async () => (photo = await plainPhoto(800, 600, 3)));
    beforeEach(async () => {
      processor = new InterruptibleProcessor();
      app = await startApp(setup.entry, { processing: true, backend: setup.backend, overrides: { processor } });
    });
    afterEach(() => app.close());

    const process = (id: string) => resolve(app.container, TOKENS.ProcessImage).execute(id);
    const record = (id: string) => resolve(app.container, TOKENS.ImageCatalog).get(id);
    /** The variants the blob store holds for the image, asked of the store itself. */
    const storedVariants = async (id: string) => {
      const blobs = resolve(app.container, TOKENS.BlobStore);
      const held = await Promise.all(VARIANT_NAMES.map(async (name) => ((await blobs.exists(variantKey(id, name))) ? name : undefined)));
      return held.filter((name) => name !== undefined);
    };
    const deleteAsOwner = async (id: string) => {
      const response = await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice');
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
    };

    it('makes no variants for an image deleted between its upload and its processing', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'gone.jpg');
      await deleteAsOwner(id);

      expect(await process(id)).to.equal('gone');
      expect(await storedVariants(id)).to.deep.equal([]);
      expect(await app.objectCount(), 'only the original, kept in the trash').to.equal(1);
      const after = await record(id);
      expect(after?.variants, 'the record never gains variants').to.equal(undefined);
      expect(after?.placeholder).to.equal(undefined);
    });

    it('removes what a run wrote when the image is deleted while it renders', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'gone.jpg');
      processor.duringRender = () => deleteAsOwner(id);

      expect(await process(id)).to.equal('gone');
      expect(await storedVariants(id)).to.deep.equal([]);
      expect(await app.objectCount(), 'only the original').to.equal(1);
      expect((await record(id))?.variants).to.equal(undefined);
    });

    it('does nothing on a second run: already done, same record, same variant bytes, no new objects', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'twice.jpg');
      expect(await process(id)).to.equal('ready');
      const first = await getImage(app.url, id);
      const bytes = [await download(first.variants!.thumb.url), await download(first.variants!.display.url)];
      const objects = await app.objectCount();

      expect(await process(id)).to.equal('already done');
      const second = await getImage(app.url, id);
      expect(second).to.deep.include({ status: 'ready', placeholder: first.placeholder, checksum: first.checksum });
      expect(second.variants!.thumb).to.deep.include({ width: first.variants!.thumb.width, height: first.variants!.thumb.height });
      expect((await download(second.variants!.thumb.url)).equals(bytes[0]!)).to.equal(true);
      expect((await download(second.variants!.display.url)).equals(bytes[1]!)).to.equal(true);
      expect(await app.objectCount()).to.equal(objects).and.to.equal(3);
    });

    it('records one result when two runs race, and keeps exactly the variants it recorded', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'race.jpg');

      const results = await Promise.all([process(id), process(id)]);
      expect(results.toSorted()).to.deep.equal(['already done', 'ready']);
      const recorded = (await record(id))!;
      expect(await storedVariants(id)).to.deep.equal(['thumb', 'display']);
      const image = await getImage(app.url, id);
      for (const name of VARIANT_NAMES) {
        expect((await download(image.variants![name].url)).length, `${name} bytes match the recorded size`).to.equal(recorded.variants![name].size);
      }
      expect(await app.objectCount()).to.equal(3);
    });

    it('keeps a ready image\'s variants when a late run arrives after its delete (the trash can restore it)', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'late.jpg');
      expect(await process(id)).to.equal('ready');
      await deleteAsOwner(id);

      expect(await process(id)).to.be.oneOf(['already done', 'gone']);
      expect(await storedVariants(id)).to.deep.equal(['thumb', 'display']);
      expect((await record(id))?.variants).to.have.keys('thumb', 'display');
    });

    it('keeps the recorded variants when a slower run ends after another run recorded them and the image went to the trash', async () => {
      const { image_id: id } = await uploadFile(app.url, photo, 'slow.jpg');
      processor.duringRender = async () => {
        processor.duringRender = async () => {};
        expect(await process(id), 'the faster run').to.equal('ready');
        await deleteAsOwner(id);
      };

      expect(await process(id), 'the slower run').to.be.oneOf(['already done', 'gone']);
      expect(await storedVariants(id)).to.deep.equal(['thumb', 'display']);
      expect((await record(id))?.variants).to.have.keys('thumb', 'display');
    });
  });
}
