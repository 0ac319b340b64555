/** The first request made with an idempotency key, and what it was answered, once it was. */
export interface IdempotencyRecord {
  /** What identifies the request (method, path, fields, file hash), opaque to the store. */
  fingerprint: string;
  /** The stored answer (opaque to the store); absent while the first request runs. */
  answer?: string;
  /** While it runs, the key is in use until this time; after it, a crashed run's claim lapses. */
  lockedUntil: string;
  /** When the record is forgotten and the key may be used afresh. */
  expiresAt: string;
}

/** Idempotency records, scoped to a caller (see core/use-cases/idempotency.ts). */
export interface IdempotencyStore {
  /**
   * Claims `key` for a new request with `record` (no answer yet), atomically: it succeeds when no
   * record exists, or the existing one has expired, or it never got an answer and its lock lapsed.
   * @returns undefined when claimed, else the record that holds the key. @throws DomainError `unavailable`
   */
  claim(scope: string, key: string, record: IdempotencyRecord, now: string): Promise<IdempotencyRecord | undefined>;

  /** Stores the answer of the claimed request. @throws DomainError `unavailable` */
  complete(scope: string, key: string, answer: string, expiresAt: string): Promise<void>;

  /** Gives a claimed key up without an answer (the request failed in a way worth retrying). @throws DomainError `unavailable` */
  release(scope: string, key: string): Promise<void>;
}
