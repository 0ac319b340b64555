import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { tagLinkKeys, toImageItem } from '../../adapters/dynamodb/image-item.ts';
import { ensureTable } from '../../adapters/dynamodb/table-setup.ts';
import { ensureBucket } from '../../adapters/s3/bucket-setup.ts';
import { S3BlobStore } from '../../adapters/s3/s3-blob-store.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver } from '../../scripts/local-aws-servers.ts';
import { makeImage } from '../support/images.ts';
import { download, listAll } from '../support/listing-checks.ts';
import { imageRecord } from '../support/records.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

const migrate = (dataDir: string) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/migrate-embedded.ts'], { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });

/** Writes a data folder as the embedded servers of commit 4fb8f16 left it: objects in s3rver, items in dynalite, tag links naming ids. */
async function embeddedDataFolder(dataDir: string, images: { image: ReturnType<typeof imageRecord>; bytes: Buffer }[]): Promise<void> {
  const s3Server = await startS3rver({ directory: join(dataDir, 's3') });
  const dynamoServer = await startDynalite({ directory: join(dataDir, 'dynamodb') });
  const s3 = makeS3Client({ region: 'us-east-1', endpoint: s3Server.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: dynamoServer.endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureBucket(s3, 'instagram-images-dev', { corsOrigins: '*' });
    await ensureTable(client, 'ImageMetadata-dev');
    const blobs = new S3BlobStore(s3, 'instagram-images-dev');
    for (const { image, bytes } of images) {
      await blobs.put(image.storageKey, bytes, { contentType: image.contentType, fileName: image.fileName });
      await doc.send(new PutCommand({ TableName: 'ImageMetadata-dev', Item: toImageItem(image, 4, 1) }));
      for (const key of tagLinkKeys(image)) await doc.send(new PutCommand({ TableName: 'ImageMetadata-dev', Item: { ...key, imageId: image.id } }));
    }
  } finally {
    s3.destroy();
    client.destroy();
    await s3Server.close();
    await dynamoServer.close();
  }
}

describe('npm run migrate:embedded: a data folder of the embedded servers into the local store', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: ServerProcess | undefined;

  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-migrate-'))));
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('copies every image with its bytes, tags and deletion, renames the old folders, and then has nothing left to do', async () => {
    const live = imageRecord({ id: 'old-live-1', ownerId: 'alice', tags: ['sea', 'sun'], format: 'jpeg', contentType: 'image/jpeg', storageKey: 'images/old-live-1.jpg', fileName: 'beach.jpg' });
    const plain = imageRecord({ id: 'old-live-2', ownerId: 'bob', tags: [], storageKey: 'images/old-live-2.png' });
    const gone = imageRecord({ id: 'old-gone-3', ownerId: 'alice', tags: ['sea'], storageKey: 'images/old-gone-3.png', deletedAt: '2026-02-01T00:00:00.000Z' });
    const files = [
      { image: live, bytes: makeImage({ width: 300, height: 200, format: 'jpeg', size: 20_000 }) },
      { image: plain, bytes: makeImage({ width: 120, height: 90, format: 'png', size: 5000 }) },
      { image: gone, bytes: makeImage({ width: 100, height: 100, format: 'png', size: 3000 }) },
    ];
    await embeddedDataFolder(dataDir, files);

    const { stdout } = await migrate(dataDir);
    expect(stdout).to.include('Migrated 2 images and 1 deleted ones');
    expect(await readdir(dataDir)).to.include.members(['s3.migrated', 'dynamodb.migrated', 'catalog.db']).and.not.include.members(['s3', 'dynamodb']);

    server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect((await listAll(server.url, '/images')).map((i) => i.image_id)).to.have.members([live.id, plain.id]);
    expect((await listAll(server.url, '/tags/sea/images')).map((i) => i.image_id)).to.deep.equal([live.id]);
    expect((await listAll(server.url, '/users/alice/images')).map((i) => i.image_id)).to.deep.equal([live.id]);
    expect((await download(server.url, live.id)).equals(files[0]!.bytes)).to.equal(true);
    expect((await download(server.url, plain.id)).equals(files[1]!.bytes)).to.equal(true);
    expect((await fetch(`${server.url}/images/${gone.id}`)).status).to.equal(404);
    await server.stop();
    server = undefined;

    expect((await migrate(dataDir)).stdout).to.include('Nothing to migrate');
  });
});
