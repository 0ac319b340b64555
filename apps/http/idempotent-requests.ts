import { createHash } from 'node:crypto';
import { Idempotency } from '../../core/use-cases/idempotency.ts';
import { claimedCaller } from './identity.ts';
import type { IdentityMode } from './identity.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/** The answer as stored for a replay: what a client can see of it, JSON bodies only (all of the API's writes). */
interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

// What a replay must carry to be the same answer; the standard headers and the request id are added per request.
const REPLAYED_HEADERS = ['location', 'etag', 'retry-after'];

// Worth retrying rather than replaying: a timeout, auth fixed with a token, a rate limit, the
// service or a store down. Every other answer, a refusal included, is the request's answer.
const RETRYABLE = new Set([401, 408, 429]);
const keepable = (status: number): boolean => status < 500 && !RETRYABLE.has(status);

/**
 * What makes two requests "the same request" for the IETF draft: method, path and query, the
 * metadata (JSON body or form fields, in a canonical order), the file's SHA-256 and the
 * precondition. A hash, so a stored record never holds what was uploaded.
 */
export function fingerprint(request: HttpRequest): string {
  const sorted = (record: Record<string, unknown> | undefined) => (record === undefined ? null : Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const file = request.upload?.file;
  const parts = [
    request.method,
    request.path,
    sorted(request.query),
    sorted(request.body),
    sorted(request.upload?.fields),
    file === undefined ? null : createHash('sha256').update(file.bytes).digest('hex'),
    request.headers['if-match'] ?? null,
  ];
  return `sha256:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

/**
 * Whose key it is: the verified caller, or in header identity the caller the request names. In
 * jwt mode an unverified request has no scope (it is refused anyway), so nobody can take or
 * block another user's keys by naming them.
 */
export function scopeOf(request: HttpRequest, mode: IdentityMode): string | undefined {
  if (request.authorizedCaller !== undefined) return request.authorizedCaller;
  return mode === 'header' ? claimedCaller(request) : undefined;
}

/** Runs a declared-idempotent route under its Idempotency-Key, if the request sent one. */
export class IdempotentRequests {
  constructor(
    private readonly idempotency: Idempotency,
    private readonly mode: IdentityMode,
  ) {}

  /**
   * `answer` must not throw: it is the route with its errors already turned into answers, so a
   * refusal is stored and replayed like any answer.
   */
  async run(request: HttpRequest, answer: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const raw = request.headers['idempotency-key'];
    const scope = scopeOf(request, this.mode);
    if (raw === undefined || scope === undefined) return answer();
    const key = Idempotency.parseKey(raw);
    let fresh: HttpResponse | undefined;
    const outcome = await this.idempotency.run(scope, key, fingerprint(request), async () => {
      fresh = await answer();
      return { answer: JSON.stringify(stored(fresh)), keep: keepable(fresh.status) };
    });
    if (!outcome.replayed && fresh !== undefined) return fresh;
    const replay = JSON.parse(outcome.answer) as StoredAnswer;
    return { status: replay.status, headers: { ...replay.headers, 'idempotent-replayed': 'true' }, body: replay.body };
  }
}

function stored(response: HttpResponse): StoredAnswer {
  const headers = Object.fromEntries(Object.entries(response.headers ?? {}).filter(([name]) => REPLAYED_HEADERS.includes(name.toLowerCase())));
  return { status: response.status, headers, body: response.body ?? null };
}
