// The cold-start baseline for bench/lambda-cold-start.ts: the AWS SDK clients the service uses
// and nothing of the service, so the difference between the two is what the service adds.
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

// A first request that needs no network: synchronous calls on both clients and the presigner.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: JSON.stringify({
    status: 'healthy',
    middleware: s3.middlewareStack.identify().length + doc.middlewareStack.identify().length,
    presigner: typeof getSignedUrl,
  }),
});
