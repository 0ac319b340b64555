import { DomainError } from '../../core/errors.ts';
import type { HttpRequest } from './types.ts';

/**
 * Who is calling. Behind a JWT authorizer it is the verified `sub`; otherwise it is `header`
 * identity, the behaviour of the service this one replaces: the caller names itself in
 * X-User-Id, which is only fit behind something that sets that header for it.
 * @throws DomainError `unauthorized`
 */
export function callerId(request: HttpRequest): string {
  if (request.authorizedCaller !== undefined) return request.authorizedCaller;
  const caller = request.headers['x-user-id'];
  if (caller === undefined || caller.trim() === '') {
    throw new DomainError('unauthorized', 'unauthorized', 'The X-User-Id header is required to delete an image.');
  }
  return caller.trim();
}

/**
 * The owner of an upload: the verified caller when there is one (a different `user_id` is
 * refused), else the form's `user_id`.
 * @throws DomainError `forbidden`
 */
export function uploadOwner(request: HttpRequest, userIdField: string | undefined): string | undefined {
  const caller = request.authorizedCaller;
  if (caller === undefined) return userIdField;
  if (userIdField !== undefined && userIdField !== caller) {
    throw new DomainError('forbidden', 'forbidden', 'user_id must be the authenticated caller (or left out).');
  }
  return caller;
}
