import type { BlobStore } from '../core/ports/blob-store.port.ts';
import type { Clock } from '../core/ports/clock.port.ts';
import type { ImageCatalog } from '../core/ports/image-catalog.port.ts';
import type { PendingUploads } from '../core/ports/pending-uploads.port.ts';
import { MemoryPendingUploads } from '../adapters/memory/memory-pending-uploads.ts';
import { DynamoDbPendingUploads } from '../adapters/dynamodb/dynamodb-pending-uploads.ts';
import { MemoryBlobStore } from '../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../adapters/memory/memory-image-catalog.ts';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../adapters/dynamodb/table-setup.ts';
import { ensureBucket } from '../adapters/s3/bucket-setup.ts';
import { S3BlobStore } from '../adapters/s3/s3-blob-store.ts';
import { makeS3Client } from '../adapters/s3/s3-client.ts';
import type { AwsConfig, Config } from './config.ts';

/** The two stores an image needs, chosen by configuration, with their lifecycle. */
export interface Storage {
  blobStore: BlobStore;
  catalog: ImageCatalog;
  /** Direct uploads reserved and not yet completed. */
  pending: PendingUploads;
  /** Set when downloads are served by the app itself (in-memory storage). */
  localBlobs?: MemoryBlobStore;
  /** Creates the bucket (with CORS for browser downloads) and the table if they are missing. */
  setup(): Promise<void>;
  close(): void;
}

export function openStorage(config: Config, clock: Clock): Storage {
  switch (config.storage) {
    case 'memory': {
      const localBlobs = new MemoryBlobStore(clock, config.publicUrl);
      return { blobStore: localBlobs, catalog: new MemoryImageCatalog(), pending: new MemoryPendingUploads(), localBlobs, setup: async () => {}, close: () => {} };
    }
    case 'aws':
      return awsStorage(config.aws, config.corsOrigins);
    case 'embedded':
      throw new Error('Start the embedded stack first (startEmbeddedStack) and use the configuration it returns.');
  }
}

/** The production adapters, over AWS or any AWS-compatible endpoint; clients are made once. */
export function awsStorage(aws: AwsConfig, corsOrigins: Config['corsOrigins']): Storage {
  const common = { region: aws.region, ...(aws.credentials === undefined ? {} : { credentials: aws.credentials }) };
  const s3 = makeS3Client({ ...common, ...(aws.s3Endpoint === undefined ? {} : { endpoint: aws.s3Endpoint, forcePathStyle: true }) });
  const dynamo = makeDynamoClients({ ...common, ...(aws.dynamodbEndpoint === undefined ? {} : { endpoint: aws.dynamodbEndpoint }) });
  return {
    blobStore: new S3BlobStore(s3, aws.bucket),
    catalog: new DynamoDbImageCatalog(dynamo.doc, aws.table, { timeShards: aws.timeShards }),
    pending: new DynamoDbPendingUploads(dynamo.doc, aws.table),
    setup: async () => {
      await ensureBucket(s3, aws.bucket, { corsOrigins });
      await ensureTable(dynamo.client, aws.table);
    },
    close: () => {
      s3.destroy();
      dynamo.client.destroy();
    },
  };
}
