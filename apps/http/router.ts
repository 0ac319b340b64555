import { match } from 'path-to-regexp';
import type { MatchFunction } from 'path-to-regexp';
import { DomainError, invalid } from '../../core/errors.ts';
import type { Route } from './types.ts';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Finds the route for a method and a raw (still percent-encoded) path, with the same
 * matcher Express uses, so both entry points route identically.
 * @throws DomainError `not_found` (no route), `validation` (malformed percent-encoding)
 */
export function createRouter(routes: readonly Route[]): (method: string, rawPath: string) => RouteMatch {
  const compiled: { route: Route; matches: MatchFunction<Record<string, string>> }[] = routes.map((route) => ({
    route,
    matches: match<Record<string, string>>(route.path),
  }));
  return (method, rawPath) => {
    for (const { route, matches } of compiled) {
      if (route.method !== method) continue;
      let found;
      try {
        found = matches(rawPath);
      } catch {
        throw invalid('The request path is not valid percent-encoding.');
      }
      if (found !== false) return { route, params: { ...found.params } };
    }
    throw new DomainError('not_found', 'not_found', `No route for ${method} ${rawPath.slice(0, 200)}.`);
  };
}
