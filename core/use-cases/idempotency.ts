import { DomainError, invalid } from '../errors.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { IdempotencyRecord, IdempotencyStore } from '../ports/idempotency-store.port.ts';

export const IDEMPOTENCY = {
  /** How long a key and its answer are kept (the IETF draft's example, and what clients expect). */
  keepSeconds: 24 * 60 * 60,
  /**
   * How long a first request may hold its key before a retry may take over: past every request's
   * own time limit (API Gateway's 30 s), so a live request is never run twice, and a crashed one
   * frees its key within a minute rather than a day.
   */
  lockSeconds: 60,
  maxKeyChars: 255,
} as const;

// Visible ASCII, as the draft's examples and every client library's keys (UUIDs, ULIDs) are,
// but for the comma: HTTP joins two header fields with one, and API Gateway joins them with a
// bare comma, so two keys in one request would pass as one key on Lambda and not on Express.
const KEY = /^[\x21-\x2b\x2d-\x7e]+$/;

export interface Attempt {
  /** The answer to store and replay, opaque to the domain (the HTTP layer's status, headers and body). */
  answer: string;
  /** False for answers worth retrying (a store down, a rate limit): the key is released, not kept. */
  keep: boolean;
}

export interface Outcome {
  answer: string;
  replayed: boolean;
}

/**
 * Retries without duplicates, per the IETF draft "The Idempotency-Key HTTP Header Field": the
 * first request with a key runs and its answer is kept; the same request again gets that answer
 * replayed; a different request with the key is refused, and so is one while the first still runs.
 * Keys are scoped to the caller, so one caller's key never reveals or blocks another's.
 */
export class Idempotency {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError `validation` */
  static parseKey(raw: string): string {
    if (raw.length === 0 || raw.length > IDEMPOTENCY.maxKeyChars || !KEY.test(raw)) {
      throw invalid(`Idempotency-Key must be 1 to ${IDEMPOTENCY.maxKeyChars} visible ASCII characters other than a comma (a UUID is the usual choice).`, { field: 'Idempotency-Key' });
    }
    return raw;
  }

  /**
   * Runs `attempt` once per (scope, key): `fingerprint` says what the request was.
   * @throws DomainError `unprocessable` (`idempotency_key_reused`), `conflict` (`idempotency_key_in_use`,
   * with `retry_after_seconds`), `unavailable`, or whatever `attempt` throws (the key is then released)
   */
  async run(scope: string, key: string, fingerprint: string, attempt: () => Promise<Attempt>): Promise<Outcome> {
    const now = this.clock.now().getTime();
    const record: IdempotencyRecord = {
      fingerprint,
      lockedUntil: new Date(now + IDEMPOTENCY.lockSeconds * 1000).toISOString(),
      expiresAt: new Date(now + IDEMPOTENCY.keepSeconds * 1000).toISOString(),
    };
    const held = await this.store.claim(scope, key, record, new Date(now).toISOString());
    if (held !== undefined) return this.answerFrom(held, fingerprint, now);

    let result: Attempt;
    try {
      result = await attempt();
    } catch (error) {
      await this.store.release(scope, key).catch(() => {});
      throw error;
    }
    if (result.keep) await this.store.complete(scope, key, result.answer, record.expiresAt);
    else await this.store.release(scope, key);
    return { answer: result.answer, replayed: false };
  }

  private answerFrom(held: IdempotencyRecord, fingerprint: string, now: number): Outcome {
    if (held.fingerprint !== fingerprint) {
      throw new DomainError('unprocessable', 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request.');
    }
    if (held.answer === undefined) {
      // A request that read the clock just before the holder did sees a little over the lock's length left: never more than the lock.
      const seconds = Math.min(IDEMPOTENCY.lockSeconds, Math.max(1, Math.ceil((Date.parse(held.lockedUntil) - now) / 1000)));
      throw new DomainError('conflict', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry after it finishes.', {
        details: { retry_after_seconds: seconds },
      });
    }
    return { answer: held.answer, replayed: true };
  }
}
