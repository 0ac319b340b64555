import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { BucketLocationConstraint, CORSConfiguration, S3Client } from '@aws-sdk/client-s3';
// The LocalStack init script applies this same file with `awslocal s3api put-bucket-cors`.
import bucketCors from './bucket-cors.json' with { type: 'json' };
import { isNotFound, translated } from './s3-errors.ts';

/**
 * Creates the bucket if it is missing and lets browsers on `corsOrigins` fetch presigned
 * download URLs. Safe to run on every start, against AWS, LocalStack or s3rver.
 * @throws DomainError `unavailable`
 */
export async function ensureBucket(client: S3Client, bucket: string, options: { corsOrigins: '*' | string[] }): Promise<void> {
  await translated(async () => {
    if (!(await bucketExists(client, bucket))) await createBucket(client, bucket);
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: corsConfiguration(options.corsOrigins) }));
  });
}

function corsConfiguration(origins: '*' | string[]): CORSConfiguration {
  const AllowedOrigins = origins === '*' ? ['*'] : origins;
  return { CORSRules: bucketCors.CORSRules.map((rule) => ({ ...rule, AllowedOrigins })) };
}

// Asking first matters for s3rver, which answers BucketAlreadyExists even to the owner.
async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function createBucket(client: S3Client, bucket: string): Promise<void> {
  const region = await client.config.region();
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 rejects a location constraint naming itself; every other region requires one.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    // Another instance created it between our HEAD and this call.
    if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
    throw error;
  }
}
