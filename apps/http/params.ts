import { invalid } from '../../core/errors.ts';
import type { HttpRequest } from './types.ts';

/** One value of a query parameter; a repeated one is ambiguous, so it is refused. */
export function queryValue(request: HttpRequest, name: string): string | undefined {
  const value = request.query[name];
  if (Array.isArray(value)) throw invalid(`${name} was given more than once.`, { field: name });
  return value;
}

export function queryInteger(request: HttpRequest, name: string): number | undefined {
  const raw = queryValue(request, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,10}$/.test(raw.trim())) throw invalid(`${name} must be an integer.`, { field: name });
  return Number(raw);
}

export function queryBoolean(request: HttpRequest, name: string, fallback: boolean): boolean {
  const raw = queryValue(request, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalid(`${name} must be true or false.`, { field: name });
}

/** Comma-separated lists; an empty value means an empty list. */
export function splitList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw.trim() === '' ? [] : raw.split(',');
}
