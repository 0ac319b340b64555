// `npm run migrate:embedded`: copies the images of a data folder that the embedded S3 and
// DynamoDB servers of earlier versions wrote (DATA_DIR/s3, DATA_DIR/dynamodb) into the local
// store (SQLite and files) in the same folder, soft-deleted ones included, then renames the old
// folders so the service starts on the new ones. It reads the old servers' files with those same
// servers (s3rver and dynalite, dev dependencies) and the AWS adapters, so nothing is parsed twice.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { fromImageItem } from '../adapters/dynamodb/image-item.ts';
import { makeS3Client } from '../adapters/s3/s3-client.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';
import { isDomainError } from '../core/errors.ts';
import { loadConfigOrExit } from '../apps/config.ts';
import { holdsEmbeddedLayout, localStorage } from '../apps/storage/local.ts';
// Only the type: the module itself is imported below, where a missing dev dependency can be explained.
import type * as TestServers from './local-aws-servers.ts';

const config = loadConfigOrExit();
const { dataDir } = config;
if (!holdsEmbeddedLayout(dataDir)) {
  console.log(`Nothing to migrate: ${dataDir} holds no data of the embedded servers (or was migrated already).`);
  process.exit(0);
}

let servers: typeof TestServers;
try {
  servers = await import('./local-aws-servers.ts');
} catch {
  console.error('The migration reads the old data with s3rver and dynalite, which are dev dependencies: run `npm install` (without --omit=dev) first.');
  process.exit(1);
}

const s3Server = await servers.startS3rver({ directory: join(dataDir, 's3') });
const dynamoServer = await servers.startDynalite({ directory: join(dataDir, 'dynamodb') });
const s3 = makeS3Client({ region: 'us-east-1', endpoint: s3Server.endpoint, credentials: servers.LOCAL_CREDENTIALS, forcePathStyle: true });
const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: dynamoServer.endpoint, credentials: servers.LOCAL_CREDENTIALS });
const target = await localStorage(config, new SystemClock(), { migrating: true });

const counts = { live: 0, deleted: 0, skipped: 0, already: 0 };
try {
  let startKey: Record<string, unknown> | undefined;
  do {
    // A one-off copy of everything: the one place a Scan is the right tool.
    const page = await doc.send(new ScanCommand({ TableName: config.aws.table, FilterExpression: 'SK = :image', ExpressionAttributeValues: { ':image': 'IMAGE' }, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const image = fromImageItem(item);
      let bytes: Uint8Array;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: config.aws.bucket, Key: image.storageKey }));
        bytes = await object.Body!.transformToByteArray();
      } catch {
        console.warn(`skipped ${image.id}: its file ${image.storageKey} is missing`);
        counts.skipped += 1;
        continue;
      }
      await target.blobStore.put(image.storageKey, bytes, { contentType: image.contentType, fileName: image.fileName });
      try {
        await target.catalog.create(image);
      } catch (error) {
        // A run stopped half-way and started again: what it copied is there already.
        if (!isDomainError(error, 'conflict')) throw error;
        counts.already += 1;
        continue;
      }
      counts[image.deletedAt === undefined ? 'live' : 'deleted'] += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
} catch (error) {
  console.error(`The migration stopped: ${(error as Error).message}. Nothing of the old data was changed; run it again to go on.`);
  process.exitCode = 1;
} finally {
  target.close();
  s3.destroy();
  client.destroy();
  await s3Server.close();
  await dynamoServer.close();
}

if (process.exitCode !== 1) {
  for (const folder of ['s3', 'dynamodb']) await rename(join(dataDir, folder), join(dataDir, `${folder}.migrated`)).catch(() => {});
  console.log(
    `Migrated ${counts.live} images and ${counts.deleted} deleted ones into the local store in ${dataDir}` +
      `${counts.already > 0 ? ` (${counts.already} were there already)` : ''}${counts.skipped > 0 ? `; ${counts.skipped} skipped, their files missing` : ''}. ` +
      'The old folders are kept as s3.migrated and dynamodb.migrated: remove them once you are satisfied. Start the service with `npm start`.',
  );
}
