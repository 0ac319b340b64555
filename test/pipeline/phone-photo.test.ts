// The "done means": a phone photo goes in, and what anyone can fetch is turned, sized,
// re-encoded and free of location, camera and owner data, through every entry point and store.
import { expect } from 'chai';
import request from 'supertest';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { sendToStorage, startDirectUpload } from '../support/direct-upload.ts';
import { identifyingTags, needsExiftool, readTags, webpMetadata } from '../support/exiftool.ts';
import { MARK, bandColour, decodedPixels, described, near, p3ToSrgb, phonePhoto, plainPhoto, taggedPhoto } from '../support/photos.ts';
import { PIPELINE_SETUPS, download, fetchBytes, getImage, listImages, sha256, uploadFile } from '../support/pipeline.ts';
import type { PipelineView } from '../support/pipeline.ts';

/** The marked half as a colour-managed viewer shows it: its P3 values in sRGB. */
const MARK_IN_SRGB = p3ToSrgb(MARK);

/** The display variant of a 400x600 image: already within 1080x1350, so not enlarged. */
const PORTRAIT = { width: 400, height: 600 };

type OtherFormat = 'png' | 'webp' | 'gif';

let made: Promise<{ photo: Buffer; others: Array<[OtherFormat, Buffer]> }> | undefined;
/** The files every setup uploads, made (and checked to carry their metadata) once. */
const fixtures = () =>
  (made ??= (async () => {
    const others = await Promise.all((['png', 'webp', 'gif'] as const).map(async (format): Promise<[OtherFormat, Buffer]> => [format, await taggedPhoto(format)]));
    for (const [format, file] of others) expect(identifyingTags(await readTags(file, format)), `exiftool tagged the ${format}`).to.include('XMP-dc:Creator');
    return { photo: await phonePhoto(), others };
  })());

for (const setup of PIPELINE_SETUPS) {
  describe(`pipeline: a phone photo through ${setup.name}`, () => {
    let photo: Buffer;
    let others: Array<[OtherFormat, Buffer]>;
    let app: TestApp;

    before(async function () {
      needsExiftool(this);
      ({ photo, others } = await fixtures());
    });
    beforeEach(async () => (app = await startApp(setup.entry, { processing: true, backend: setup.backend })));
    afterEach(() => app?.close());

    /** Uploads the photo and processes it as the worker would: the image as GET answers it then. */
    const uploadedAndProcessed = async (): Promise<PipelineView> => {
      const { image_id: id } = await uploadFile(app.url, photo, 'IMG_0042.jpg');
      await app.processQueued();
      return getImage(app.url, id);
    };

    it('answers the upload at once: 201, processing, sized as displayed, with the checksum of the stored bytes', async () => {
      const image = await uploadFile(app.url, photo, 'IMG_0042.jpg');

      expect(image).to.deep.include({ status: 'processing', width: 400, height: 600, variants: null, thumbnail_url: null, placeholder: null });
      expect(app.queued).to.deep.equal([image.image_id]);
      const stored = await download(image.download_url);
      expect(image.checksum).to.equal(sha256(stored));
      expect(image.file_size).to.equal(stored.length);
      expect(stored.length, 'the scrub removed something').to.be.below(photo.length);
    });

    it('stores the original without location, camera, serial, owner, XMP, IPTC or comment, keeping orientation, profile and every pixel', async () => {
      const sent = await readTags(photo, 'jpg');
      expect(identifyingTags(sent), 'exiftool wrote them into the upload').to.include.members(['GPS:GPSLatitude', 'IFD0:Make', 'ExifIFD:SerialNumber', 'XMP-dc:Creator', 'IPTC:Keywords', 'File:Comment']);

      const image = await uploadedAndProcessed();
      const stored = await download(image.download_url);
      const tags = await readTags(stored, 'jpg', true);

      expect(identifyingTags(tags), JSON.stringify(tags, null, 1)).to.deep.equal([]);
      expect(tags['IFD0:Orientation']).to.equal(6);
      expect(tags['ICC_Profile:ProfileDescription']).to.equal(sent['ICC_Profile:ProfileDescription']).and.to.be.a('string');
      expect((await decodedPixels(stored)).equals(await decodedPixels(photo)), 'decoded pixels identical').to.equal(true);
      expect(image.checksum).to.equal(sha256(stored));
    });

    it('makes a 400x400 thumb and a display within 1080x1350, both WebP, turned, in sRGB, with no metadata', async () => {
      const image = await uploadedAndProcessed();

      expect(image.status).to.equal('ready');
      expect(image.variants?.thumb).to.deep.include({ width: 400, height: 400, content_type: 'image/webp' });
      expect(image.variants?.display).to.deep.include({ ...PORTRAIT, content_type: 'image/webp' });
      for (const name of ['thumb', 'display'] as const) {
        const variant = image.variants![name];
        const fetched = await fetchBytes(variant.url);
        expect(fetched.status).to.equal(200);
        expect(fetched.contentType).to.equal('image/webp');
        expect(await described(fetched.bytes), name).to.deep.include({ format: 'webp', frames: 1, width: variant.width, height: variant.height });
        const tags = await readTags(fetched.bytes, 'webp');
        expect(webpMetadata(tags), `${name}: ${JSON.stringify(tags, null, 1)}`).to.deep.equal([]);
        // Orientation 6 turns the stored left half to the top; the P3 values come out as their sRGB colour.
        const [top, bottom] = [await bandColour(fetched.bytes, 'top'), await bandColour(fetched.bytes, 'bottom')];
        expect(near(top, MARK_IN_SRGB), `${name} top ${JSON.stringify(top)}, want ${JSON.stringify(MARK_IN_SRGB)}`).to.equal(true);
        expect(near(bottom, MARK_IN_SRGB, 40), `${name} bottom is the noise half`).to.equal(false);
      }
    });

    it('gives a portrait ThumbHash placeholder of the picture', async () => {
      const image = await uploadedAndProcessed();

      expect(image.placeholder).to.be.a('string').and.match(/^[A-Za-z0-9+/]{20,60}={0,2}$/);
      const hash = Buffer.from(image.placeholder!, 'base64');
      expect(thumbHashToApproximateAspectRatio(hash)).to.be.closeTo(400 / 600, 0.1);
      const average = thumbHashToAverageRGBA(hash);
      expect(average.r, 'reddish on average: half of it is the mark').to.be.above(average.b);
    });

    it('puts signed variant URLs, thumbnail_url and the placeholder in the upload answer (null), get and every listing', async () => {
      const uploaded = await uploadFile(app.url, photo, 'IMG_0042.jpg', 'alice', 'holiday');
      expect(uploaded).to.include({ thumbnail_url: null, variants: null, placeholder: null });
      await app.processQueued();

      const answers = [
        await getImage(app.url, uploaded.image_id),
        ...(await listImages(app.url)),
        ...(await listImages(app.url, '/users/alice/images')),
        ...(await listImages(app.url, '/tags/holiday/images')),
      ];
      expect(answers.map((image) => image.image_id)).to.deep.equal(new Array(4).fill(uploaded.image_id));
      const bytesOf = async (url: string) => (await download(url)).toString('base64');
      const [thumb, display] = [await bytesOf(answers[0]!.variants!.thumb.url), await bytesOf(answers[0]!.variants!.display.url)];
      expect(thumb).not.to.equal(display);
      for (const image of answers) {
        expect(image.status).to.equal('ready');
        expect(image.thumbnail_url).to.equal(image.variants!.thumb.url);
        expect(image.placeholder).to.equal(answers[0]!.placeholder).and.be.a('string');
        expect(await bytesOf(image.variants!.thumb.url)).to.equal(thumb);
        expect(await bytesOf(image.variants!.display.url)).to.equal(display);
      }
    });

    it('refuses a variant URL whose signature belongs to another variant', async () => {
      const image = await uploadedAndProcessed();
      const { thumb, display } = image.variants!;
      const forged = new URL(display.url);
      forged.search = new URL(thumb.url).search;

      const fetched = await fetchBytes(forged.toString());
      expect(fetched.status).to.equal(403);
    });

    it('scrubs a PNG, a WebP and a GIF the same way, keeping their orientation and pixels, and turns their variants', async () => {
      for (const [format, file] of others) {
        const { image_id: id, width, height } = await uploadFile(app.url, file, `tagged.${format}`);
        const turned = format !== 'gif';
        expect({ width, height }, format).to.deep.equal(turned ? PORTRAIT : { width: 600, height: 400 });
        await app.processQueued();
        const image = await getImage(app.url, id);

        const stored = await download(image.download_url);
        const tags = await readTags(stored, format, true);
        expect(identifyingTags(tags), `${format}: ${JSON.stringify(tags, null, 1)}`).to.deep.equal([]);
        if (turned) expect(tags['IFD0:Orientation'], format).to.equal(6);
        expect((await decodedPixels(stored)).equals(await decodedPixels(file)), `${format}: pixels identical`).to.equal(true);
        expect(image.variants?.display, format).to.deep.include(turned ? PORTRAIT : { width: 600, height: 400 });
        if (turned) expect(near(await bandColour(await download(image.variants!.display.url), 'top'), MARK), `${format}: the stored left half is on top`).to.equal(true);
      }
    });

    it('stores a photo with nothing to strip byte for byte', async () => {
      const plain = await plainPhoto(640, 480);
      const image = await uploadFile(app.url, plain, 'plain.jpg');

      const stored = await download(image.download_url);
      expect(stored.equals(plain), 'stored bytes equal the upload').to.equal(true);
      expect(image.checksum).to.equal(sha256(plain));
      await app.processQueued();
      expect((await getImage(app.url, image.image_id)).status).to.equal('ready');
    });

    it('takes a direct upload through the same pipeline: scrubbed at completion, processed after', async () => {
      const started = await startDirectUpload(app.url, { user_id: 'alice', file_name: 'IMG_0043.jpg' });
      expect((await sendToStorage(started, photo, 'image/jpeg')).status).to.be.oneOf([200, 201, 204]);

      const done = await request(app.url).post(`/uploads/${started.uploadId}/complete`).set('X-User-Id', 'alice');
      expect(done.status, JSON.stringify(done.body)).to.equal(201);
      expect(done.body.image).to.deep.include({ status: 'processing', width: 400, height: 600, variants: null });
      const stored = await download(done.body.image.download_url);
      expect(identifyingTags(await readTags(stored, 'jpg'))).to.deep.equal([]);
      expect(done.body.image.checksum).to.equal(sha256(stored));
      expect(app.queued).to.deep.equal([started.uploadId]);

      await app.processQueued();
      const image = await getImage(app.url, started.uploadId);
      expect(image.status).to.equal('ready');
      expect(image.variants?.display).to.deep.include(PORTRAIT);
      expect(await app.objectCount(), 'the original and two variants, no pending file').to.equal(3);
    });
  });
}
