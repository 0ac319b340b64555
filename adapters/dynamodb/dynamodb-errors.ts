import { isDomainError, unavailable } from '../../core/errors.ts';
import type { DomainError } from '../../core/errors.ts';

/** A write's condition did not hold: an expected outcome, not a failure of the store. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * Throttling, timeouts, refused connections, a missing table: the client can only retry
 * later. The SDK's text names tables and endpoints, so it stays in `cause`, for logs.
 */
export const catalogUnavailable = (cause: unknown): DomainError =>
  unavailable('The image catalog is unavailable right now; please try again later.', cause);

/** Awaits an SDK call, letting no SDK error leave the adapter. */
export async function orUnavailable<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw isDomainError(error) ? error : catalogUnavailable(error);
  }
}
