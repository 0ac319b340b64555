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
  too_large: 413,
  unsupported_media: 415,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, unknown>;
  request_id: string;
}

/**
 * Domain errors keep their client-facing message; anything else is a bug, answered with a
 * bare 500 and the request id, so nothing internal (stack, SDK text, names) leaks out.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse & { body: ErrorBody } {
  if (error instanceof DomainError) {
    const body: ErrorBody = { error: error.code, message: error.message, request_id: requestId };
    if (error.details !== undefined) body.details = error.details;
    return { status: STATUS_BY_KIND[error.kind], body };
  }
  return {
    status: 500,
    body: { error: 'internal_error', message: `An unexpected error occurred; quote request id ${requestId} when reporting it.`, request_id: requestId },
  };
}
