import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, notFound } from '../../core/errors.ts';
import type { BlobStore, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';

export interface StoredObject extends StoredBlob {
  bytes: Buffer;
}

/** The path under which the app serves this store's presigned URLs. */
export const LOCAL_BLOB_PATH = '/local-blobs';

/**
 * Keeps objects in process memory and hands out presigned URLs that behave like S3's: served
 * by the app itself (see `open`), signed with a per-process secret, and refused once expired.
 */
export class MemoryBlobStore implements BlobStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly secret = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    private readonly publicUrl: string,
  ) {}

  async put(key: string, bytes: Uint8Array, blob: StoredBlob): Promise<void> {
    this.objects.set(key, { ...blob, bytes: Buffer.from(bytes) });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + expiresInSeconds;
    const url = new URL(`${LOCAL_BLOB_PATH}/${encodeURIComponent(key)}`, this.publicUrl);
    url.searchParams.set('expires', String(expires));
    url.searchParams.set('signature', this.sign(key, expires));
    return url.toString();
  }

  async ping(): Promise<void> {}

  /** How many objects are held; lets tests and diagnostics see that nothing was left behind. */
  get size(): number {
    return this.objects.size;
  }

  /**
   * The object a presigned URL names. Expired or forged URLs are refused with 403, as S3 does.
   * @throws DomainError `forbidden`, `not_found`
   */
  open(key: string, expires: string | undefined, signature: string | undefined): StoredObject {
    const expiresAt = Number(expires);
    const expected = Buffer.from(this.sign(key, expiresAt));
    const given = Buffer.from(signature ?? '');
    if (!Number.isSafeInteger(expiresAt) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DomainError('forbidden', 'forbidden', 'The download URL is not valid.');
    }
    if (this.clock.now().getTime() / 1000 >= expiresAt) {
      throw new DomainError('forbidden', 'url_expired', 'The download URL has expired; ask for a new one.');
    }
    const object = this.objects.get(key);
    if (object === undefined) throw notFound('The object does not exist.');
    return object;
  }

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url');
  }
}
