import { DomainError } from '../../core/errors.ts';
import type { ErrorKind } from '../../core/errors.ts';
import type { HttpResponse } from './types.ts';

/** The one place a domain failure becomes an HTTP status, for both entry points. */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

/**
 * A failure of the transport rather than of the domain: a body that stops arriving, a server at
 * its memory budget, a method the path does not take. It carries its own status, and the
 * headers that go with it.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, string | number | boolean | null>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, unknown>;
  request_id: string;
}

/** A `retry_after_seconds` detail is also sent as Retry-After, so the header and the body never disagree. */
function retryHeaders(details: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const seconds = details?.retry_after_seconds;
  return typeof seconds === 'number' ? { 'retry-after': String(seconds) } : undefined;
}

/**
 * Domain and transport errors keep their client-facing message; anything else is a bug, answered
 * with a bare 500 and the request id, so nothing internal (stack, SDK text, names) leaks out.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse & { body: ErrorBody } {
  if (error instanceof DomainError || error instanceof HttpError) {
    const body: ErrorBody = { error: error.code, message: error.message, request_id: requestId };
    if (error.details !== undefined) body.details = error.details;
    const status = error instanceof HttpError ? error.status : STATUS_BY_KIND[error.kind];
    const headers = { ...retryHeaders(error.details), ...(error instanceof HttpError ? error.headers : undefined) };
    return { status, body, ...(Object.keys(headers).length === 0 ? {} : { headers }) };
  }
  return {
    status: 500,
    body: { error: 'internal_error', message: `An unexpected error occurred; quote request id ${requestId} when reporting it.`, request_id: requestId },
  };
}
