export interface StoredBlob {
  contentType: string;
  /** Display name for the Content-Disposition of downloads. */
  fileName: string;
}

/** What a direct upload through `presignPost` may be; the store refuses any other form. */
export interface PostPolicy {
  minBytes: number;
  maxBytes: number;
  /** The form's `Content-Type` field must start with this, e.g. `image/`. */
  contentTypePrefix: string;
  expiresInSeconds: number;
}

/**
 * A form a client POSTs as multipart/form-data to `url`: every one of `fields`, then its own
 * `Content-Type` field, then the bytes in a `file` field, which must come last.
 */
export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
  /** ISO 8601; the form is refused from then on. */
  expiresAt: string;
}

/** Where image bytes live. Keys are chosen by the domain, never by clients. */
export interface BlobStore {
  /** Stores the bytes durably under `key`. @throws DomainError `unavailable` */
  put(key: string, bytes: Uint8Array, blob: StoredBlob): Promise<void>;

  /** Removes the object; removing a missing key is not an error. @throws DomainError `unavailable` */
  delete(key: string): Promise<void>;

  /** @throws DomainError `unavailable` */
  exists(key: string): Promise<boolean>;

  /**
   * A URL anyone holding it can GET for `expiresInSeconds`, after which it stops working.
   * @throws DomainError `unavailable`
   */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;

  /**
   * Lets whoever holds the answer upload one object under exactly `key`, within `policy`,
   * without passing through this service. Some stores do not check the policy (s3rver does
   * not), so what arrives must still be checked before it is trusted.
   * @throws DomainError `unavailable`
   */
  presignPost(key: string, policy: PostPolicy): Promise<PresignedPost>;

  /** Size and type of the object; undefined when there is none. @throws DomainError `unavailable` */
  stat(key: string): Promise<{ size: number; contentType: string } | undefined>;

  /**
   * The first `maxBytes` (at least 1) bytes of the object, or all of it when it is smaller,
   * without reading the rest.
   * @throws DomainError `not_found`, `unavailable`
   */
  readStart(key: string, maxBytes: number): Promise<Uint8Array>;

  /**
   * Copies the object's bytes to `toKey`, stored as `put` stores them with `blob`, replacing
   * whatever type and name the source had. The source stays until it is deleted.
   * @throws DomainError `not_found` (no source), `unavailable`
   */
  copy(fromKey: string, toKey: string, blob: StoredBlob): Promise<void>;

  /** Resolves when the store answers. @throws DomainError `unavailable` */
  ping(): Promise<void>;
}
