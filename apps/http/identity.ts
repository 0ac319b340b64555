import { DomainError } from '../../core/errors.ts';
import type { HttpRequest } from './types.ts';

export type IdentityMode = 'header' | 'jwt';

const unauthorized = (message: string): DomainError => new DomainError('unauthorized', 'unauthorized', message);

/**
 * Who is calling, for a write. A verified caller (a bearer token checked by the service, or
 * API Gateway's JWT authorizer) always wins. Without one, `jwt` mode refuses the write and
 * `header` mode, the behaviour of the service this one replaces, takes X-User-Id, which is
 * only fit behind something that sets that header for the caller.
 * @throws DomainError `unauthorized`
 */
export function callerId(request: HttpRequest, mode: IdentityMode): string {
  if (request.authorizedCaller !== undefined) return request.authorizedCaller;
  if (mode === 'jwt') throw unauthorized('A valid bearer token is required: send Authorization: Bearer <JWT>.');
  const caller = request.headers['x-user-id'];
  if (caller === undefined || caller.trim() === '') throw unauthorized('The X-User-Id header naming the caller is required for this request.');
  return caller.trim();
}

/**
 * The owner of an upload: the verified caller when there is one (a different `user_id` is
 * refused), else, in `header` mode, the form's `user_id`.
 * @throws DomainError `unauthorized`, `forbidden`
 */
export function uploadOwner(request: HttpRequest, userIdField: string | undefined, mode: IdentityMode): string | undefined {
  const caller = request.authorizedCaller;
  if (caller === undefined) {
    if (mode === 'jwt') throw unauthorized('A valid bearer token is required: send Authorization: Bearer <JWT>.');
    return userIdField;
  }
  if (userIdField !== undefined && userIdField !== caller) {
    throw new DomainError('forbidden', 'forbidden', 'user_id must be the authenticated caller (or left out).');
  }
  return caller;
}

/**
 * Whom a write is counted against: the verified caller, else the caller it names (X-User-Id, or
 * the `user_id` of an upload form or JSON body, as header identity takes it). Only for counting:
 * a name claimed without a token still gets refused where identity is checked.
 */
export function claimedCaller(request: HttpRequest): string | undefined {
  const named = request.authorizedCaller ?? request.headers['x-user-id'] ?? request.upload?.fields.user_id ?? request.body?.user_id;
  return typeof named === 'string' && named.trim() !== '' ? named.trim().slice(0, 256) : undefined;
}

/**
 * Who is reading: the verified caller, or in header mode the X-User-Id a reader may send. It only
 * ever narrows what is shown (an original kept with its metadata is its owner's alone).
 */
export function viewerOf(request: HttpRequest, mode: IdentityMode): string | undefined {
  if (request.authorizedCaller !== undefined) return request.authorizedCaller;
  const named = mode === 'header' ? request.headers['x-user-id']?.trim() : undefined;
  return named === '' ? undefined : named;
}
