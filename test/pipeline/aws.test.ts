// The pipeline on the AWS adapters, against their test servers (s3rver and DynamoDB Local): presigned
// S3 URLs for the original and the variants, the catalog's conditional record, and the bucket listed.
import { expect } from 'chai';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { SharpImageProcessor } from '../../adapters/sharp/sharp-image-processor.ts';
import { buildContainer, resolve } from '../../apps/container.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import type { Storage } from '../../apps/storage/storage.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { WRITES_UNLIMITED, expressEntry } from '../support/app.ts';
import type { EntryPoint } from '../support/app.ts';
import { pendingSuite, startAwsTestStack } from '../support/aws-test-stack.ts';
import type { AwsTestStack } from '../support/aws-test-stack.ts';
import { identifyingTags, needsExiftool, readTags, webpMetadata } from '../support/exiftool.ts';
import { RecordingQueue } from '../support/fakes.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { listenOnLoopback } from '../support/listen.ts';
import type { Listening } from '../support/listen.ts';
import { described, phonePhoto, plainPhoto } from '../support/photos.ts';
import { download, fetchBytes, getImage, listImages, sha256, uploadFile } from '../support/pipeline.ts';

describe('pipeline on the AWS test servers (s3rver, DynamoDB Local)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let stack: AwsTestStack;
  let photo: Buffer;

  before(async function () {
    needsExiftool(this);
    dataDir = await mkdtemp(join(tmpdir(), 'image-service-pipeline-aws-'));
    const started = await startAwsTestStack(dataDir, WRITES_UNLIMITED);
    if ('skipReason' in started) pendingSuite(this, started.skipReason);
    stack = started;
    photo = await phonePhoto(4);
  });
  after(async () => {
    await stack?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  /** Every key in the bucket, asked of S3 itself. */
  const bucketKeys = async (): Promise<string[]> => {
    const { aws } = stack.config;
    const s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    s3.destroy();
    return (listed.Contents ?? []).map((object) => object.Key!);
  };
  const keysOf = async (id: string) => (await bucketKeys()).filter((key) => key.includes(id)).toSorted();

  for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
    describe(`through ${entry.name}`, () => {
      let app: Listening;
      let storage: Storage;
      let queue: RecordingQueue;
      let process: (id: string) => Promise<string>;
      before(async () => {
        storage = awsStorage(stack.config.aws, '*');
        await storage.setup();
        queue = new RecordingQueue();
        const container = buildContainer(stack.config, storage, { queue, processor: new SharpImageProcessor() });
        process = (id) => resolve(container, TOKENS.ProcessImage).execute(id);
        app = await listenOnLoopback(() => entry.serve(container));
      });
      after(async () => {
        await app?.close();
        storage?.close();
      });

      it('takes a phone photo to ready: scrubbed original, metadata-free WebP variants, all from presigned S3 URLs', async () => {
        const uploaded = await uploadFile(app.url, photo, 'IMG_0200.jpg');
        expect(uploaded).to.deep.include({ status: 'processing', width: 400, height: 600, variants: null });
        expect(queue.ids).to.include(uploaded.image_id);
        const stored = await download(uploaded.download_url);
        expect(new URL(uploaded.download_url!).origin).to.equal(new URL(stack.s3.endpoint).origin);
        expect(uploaded.checksum).to.equal(sha256(stored));
        const tags = await readTags(stored, 'jpg', true);
        expect(identifyingTags(tags), JSON.stringify(tags, null, 1)).to.deep.equal([]);
        expect(tags['IFD0:Orientation']).to.equal(6);
        expect(tags['ICC_Profile:ProfileDescription']).to.be.a('string');

        expect(await process(uploaded.image_id)).to.equal('ready');
        const [image] = (await listImages(app.url)).filter((listed) => listed.image_id === uploaded.image_id);
        expect(image).to.deep.include({ status: 'ready' });
        expect(image!.placeholder).to.be.a('string');
        expect(image!.thumbnail_url).to.equal(image!.variants!.thumb.url);
        for (const [name, size] of [['thumb', { width: 400, height: 400 }], ['display', { width: 400, height: 600 }]] as const) {
          const fetched = await fetchBytes(image!.variants![name].url);
          expect(fetched.status).to.equal(200);
          expect(fetched.contentType).to.equal('image/webp');
          expect(await described(fetched.bytes)).to.deep.include({ format: 'webp', ...size });
          expect(webpMetadata(await readTags(fetched.bytes, 'webp')), name).to.deep.equal([]);
        }
        expect(await keysOf(uploaded.image_id)).to.deep.equal([
          `images/${uploaded.image_id}.jpg`, `variants/${uploaded.image_id}/display.webp`, `variants/${uploaded.image_id}/thumb.webp`,
        ]);

        expect(await process(uploaded.image_id), 'a second delivery').to.equal('already done');
        expect(await keysOf(uploaded.image_id)).to.have.length(3);
        expect((await getImage(app.url, uploaded.image_id)).placeholder).to.equal(image!.placeholder);
      });

      it('makes no variants for an image deleted before it is processed', async () => {
        const { image_id: id } = await uploadFile(app.url, await plainPhoto(640, 480, 11), 'gone.jpg');
        const deleted = await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice');
        expect(deleted.status, JSON.stringify(deleted.body)).to.equal(200);

        expect(await process(id)).to.equal('gone');
        expect(await keysOf(id), 'the original only').to.deep.equal([`images/${id}.jpg`]);
        const record = await storage.catalog.get(id);
        expect(record?.variants).to.equal(undefined);
      });
    });
  }
});
