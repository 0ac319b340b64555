import { S3ServiceException } from '@aws-sdk/client-s3';
import { unavailable } from '../../core/errors.ts';
import type { DomainError } from '../../core/errors.ts';

/**
 * Whether S3 answered "not found". HEAD answers have no body to name what is missing, so a
 * missing object and a missing bucket look alike; callers that care ask about the bucket.
 */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || ['NotFound', 'NoSuchKey', 'NoSuchBucket'].includes(error.name))
  );
}

/**
 * Any failure of S3 (refused or timed-out connections, throttling, 5xx, a missing bucket,
 * denied access) is, to the domain, a store that is unavailable. The message goes to clients,
 * so it names no bucket, key or SDK text; the original stays in `cause` for the logs.
 */
export function storeUnavailable(error: unknown): DomainError {
  return unavailable('The image store is unavailable; try again later.', error);
}

/** Runs an S3 call so that nothing but a DomainError leaves the adapter. */
export async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storeUnavailable(error);
  }
}
