import { DomainError } from '../../core/errors.ts';
import type { HttpRequest } from './types.ts';

/**
 * `header` identity, the behaviour of the service this one replaces: the caller names
 * itself in X-User-Id. Only fit behind something that sets that header for it.
 */
export function callerId(request: HttpRequest): string {
  const caller = request.headers['x-user-id'];
  if (caller === undefined || caller.trim() === '') {
    throw new DomainError('unauthorized', 'unauthorized', 'The X-User-Id header is required to delete an image.');
  }
  return caller.trim();
}
