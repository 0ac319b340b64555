import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  region: string;
  /** A local or compatible server (dynalite, DynamoDB Local, LocalStack); AWS when absent. */
  endpoint?: string;
  /** Fixed keys, for local servers; the default provider chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * One pair per process. The SDK's defaults wait on a dead endpoint for minutes; these bounds
 * keep a request (retries included) well inside an API Gateway or Lambda time limit.
 */
export function makeDynamoClients(options: DynamoClientOptions): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 3,
    // Options rather than a handler instance: the SDK builds its own NodeHttpHandler from them.
    // Without throwOnRequestTimeout a request past requestTimeout only logs a warning and waits on.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}
