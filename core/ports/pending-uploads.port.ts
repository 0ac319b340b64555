/**
 * An upload the client was allowed to start and has not completed: the image id and the
 * object key are reserved for it until `expiresAt`. Timestamps are ISO 8601 UTC strings with
 * milliseconds, as everywhere in the domain, so that they order correctly as strings.
 */
export interface PendingUpload {
  id: string;
  ownerId: string;
  title: string | null;
  description: string | null;
  tags: string[];
  fileName: string;
  key: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * Where pending uploads wait. Reaching `expiresAt` changes nothing at once: a store may drop
 * an expired record on its own some unspecified time later (DynamoDB's TTL), or never (the
 * embedded stack), so callers judge expiry from `expiresAt` and a sweep removes leftovers.
 */
export interface PendingUploads {
  /** @throws DomainError `conflict` when the id exists, `unavailable` */
  create(upload: PendingUpload): Promise<void>;

  /** The record (expired or not: the caller decides what expiry means), or undefined. @throws DomainError `unavailable` */
  get(id: string): Promise<PendingUpload | undefined>;

  /** Removing a missing record is not an error. @throws DomainError `unavailable` */
  delete(id: string): Promise<void>;

  /**
   * Records whose expiresAt is before `now` (one expiring exactly at `now` is not expired),
   * oldest first, ties in id order, at most `limit`. An eventually consistent store may still
   * return a record deleted a moment ago: `get` is the authority before acting on one.
   * @throws DomainError `unavailable`
   */
  listExpired(now: string, limit: number): Promise<PendingUpload[]>;
}
