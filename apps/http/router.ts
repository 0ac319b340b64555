import { match } from 'path-to-regexp';
import type { MatchFunction } from 'path-to-regexp';
import { DomainError, invalid } from '../../core/errors.ts';
import { HttpError } from './errors.ts';
import type { Route } from './types.ts';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Finds the route for a method and a raw (still percent-encoded) path, with the same
 * matcher Express uses, so both entry points route identically. HEAD is served by the GET
 * route (the entry point then sends no body), as HTTP asks of every server.
 * @throws DomainError `not_found` (no route), `validation` (malformed percent-encoding);
 * HttpError 405 with `Allow` (the path has routes, for other methods)
 */
export function createRouter(routes: readonly Route[]): (method: string, rawPath: string) => RouteMatch {
  const compiled: { route: Route; matches: MatchFunction<Record<string, string>> }[] = routes.map((route) => ({
    route,
    matches: match<Record<string, string>>(route.path),
  }));
  const paramsOf = (matches: MatchFunction<Record<string, string>>, rawPath: string): Record<string, string> | undefined => {
    let found;
    try {
      found = matches(rawPath);
    } catch {
      throw invalid('The request path is not valid percent-encoding.');
    }
    return found === false ? undefined : { ...found.params };
  };
  return (method, rawPath) => {
    const served = method === 'HEAD' ? 'GET' : method;
    for (const { route, matches } of compiled) {
      if (route.method !== served) continue;
      const params = paramsOf(matches, rawPath);
      if (params !== undefined) return { route, params };
    }
    // Only for a request that no route takes: is the path known, under other methods?
    const allowed = new Set<string>(compiled.filter(({ matches }) => paramsOf(matches, rawPath) !== undefined).map(({ route }) => route.method));
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      throw new HttpError(405, 'method_not_allowed', `${method.slice(0, 20)} is not served on this path; it takes ${allow}.`, { allow }, { allow });
    }
    throw new DomainError('not_found', 'not_found', `No route for ${method.slice(0, 20)} ${rawPath.slice(0, 200)}.`);
  };
}
