import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { DynamoDbErasureRequests } from '../../adapters/dynamodb/dynamodb-erasure-requests.ts';
import { DynamoDbIdempotencyStore } from '../../adapters/dynamodb/dynamodb-idempotency-store.ts';
import { DynamoDbPendingUploads } from '../../adapters/dynamodb/dynamodb-pending-uploads.ts';
import { S3BlobStore } from '../../adapters/s3/s3-blob-store.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import type { AwsConfig, Config } from '../config.ts';
import type { Storage } from './storage.ts';

/** The production adapters, over AWS or any AWS-compatible endpoint; clients are made once. */
export function awsStorage(aws: AwsConfig, corsOrigins: Config['corsOrigins']): Storage {
  const common = { region: aws.region, ...(aws.credentials === undefined ? {} : { credentials: aws.credentials }) };
  const s3 = makeS3Client({ ...common, ...(aws.s3Endpoint === undefined ? {} : { endpoint: aws.s3Endpoint, forcePathStyle: true }) });
  const dynamo = makeDynamoClients({ ...common, ...(aws.dynamodbEndpoint === undefined ? {} : { endpoint: aws.dynamodbEndpoint }) });
  return {
    blobStore: new S3BlobStore(s3, aws.bucket),
    catalog: new DynamoDbImageCatalog(dynamo.doc, aws.table, { timeShards: aws.timeShards }),
    pending: new DynamoDbPendingUploads(dynamo.doc, aws.table),
    erasures: new DynamoDbErasureRequests(dynamo.doc, aws.table),
    idempotency: new DynamoDbIdempotencyStore(dynamo.doc, aws.table),
    description: {
      storage: 'aws',
      s3: aws.s3Endpoint ?? `AWS ${aws.region}`,
      dynamodb: aws.dynamodbEndpoint ?? `AWS ${aws.region}`,
      bucket: aws.bucket,
      table: aws.table,
    },
    // Loaded only here: on Lambda the template makes the bucket and table, and a cold start
    // never compiles the commands that would.
    setup: async () => {
      const [{ ensureBucket }, { ensureTable }] = await Promise.all([import('../../adapters/s3/bucket-setup.ts'), import('../../adapters/dynamodb/table-setup.ts')]);
      await ensureBucket(s3, aws.bucket, { corsOrigins });
      await ensureTable(dynamo.client, aws.table);
    },
    close: () => {
      s3.destroy();
      dynamo.client.destroy();
    },
  };
}
