export interface StoredBlob {
  contentType: string;
  /** Display name for the Content-Disposition of downloads. */
  fileName: string;
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

  /** Resolves when the store answers. @throws DomainError `unavailable` */
  ping(): Promise<void>;
}
