import { expect } from 'chai';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import request from 'supertest';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { buildContainer } from '../../apps/container.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import { expressEntry } from '../support/app.ts';
import { useAwsTestStack } from '../support/aws-test-stack.ts';
import type { EntryPoint } from '../support/app.ts';
import { sendToStorage, startDirectUpload } from '../support/direct-upload.ts';
import { densePng, textFile } from '../support/images.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { listenOnLoopback } from '../support/listen.ts';
import type { Listening } from '../support/listen.ts';

/** The direct upload over real HTTP to the AWS adapters' test servers: S3 (s3rver) and DynamoDB (DynamoDB Local). */
describe('AWS backend: direct uploads of files the serverless path cannot carry', function () {
  this.timeout(60_000);
  const servers = useAwsTestStack('image-service-direct-');

  const objectKeys = async (): Promise<string[]> => {
    const { aws } = servers.stack.config;
    const s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    s3.destroy();
    return (listed.Contents ?? []).map((object) => object.Key!);
  };

  for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
    describe(`through ${entry.name}`, () => {
      let app: Listening;
      before(async () => {
        const storage = awsStorage(servers.stack.config.aws, '*');
        await storage.setup();
        const container = buildContainer(servers.stack.config, storage);
        app = await listenOnLoopback(() => entry.serve(container));
      });
      after(() => app.close());

      it('takes a 9.5 MiB image through a presigned form, commits it, and serves the same bytes', async () => {
        const file = densePng(Math.round(9.5 * 1024 * 1024));
        const started = await startDirectUpload(app.url, { user_id: 'alice', title: 'Large', file_name: 'large.png' });
        expect(started.url.startsWith(servers.stack.s3.endpoint), 'the form goes to storage, not the API').to.equal(true);
        const sent = await sendToStorage(started, file, 'image/png');
        expect(sent.status, await sent.text()).to.be.oneOf([200, 201, 204]);

        const done = await request(app.url).post(`/uploads/${started.uploadId}/complete`).set('X-User-Id', 'alice');
        expect(done.status, JSON.stringify(done.body)).to.equal(201);
        expect(done.body.image).to.deep.include({ file_size: file.length, width: 2491, height: 3997, format: 'png' });
        const download = await fetch(done.body.image.download_url);
        expect(download.headers.get('content-type')).to.equal('image/png');
        expect(Buffer.from(await download.arrayBuffer()).equals(file), 'downloaded bytes equal the upload').to.equal(true);
        expect(await objectKeys()).to.include(`images/${started.uploadId}.png`).and.not.include(`pending/${started.uploadId}`);
      });

      it('rejects a non-image sent to the form at completion and removes it', async () => {
        const started = await startDirectUpload(app.url, { user_id: 'alice' });
        await sendToStorage(started, textFile(50_000), 'image/png');
        expect(await objectKeys()).to.include(`pending/${started.uploadId}`);
        const done = await request(app.url).post(`/uploads/${started.uploadId}/complete`).set('X-User-Id', 'alice');
        expect(done.status).to.equal(415);
        expect(await objectKeys()).not.to.include(`pending/${started.uploadId}`);
        expect((await request(app.url).get(`/images/${started.uploadId}`)).status).to.equal(404);
      });
    });
  }
});
