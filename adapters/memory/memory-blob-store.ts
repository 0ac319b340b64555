import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { notFound } from '../../core/errors.ts';
import type { BlobStore, PostPolicy, PresignedPost, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import type { SelfServedStore, ServedObject } from '../system/self-served-store.ts';
import { UrlSigner, formTooLarge, formTooSmall } from '../system/signed-urls.ts';

export interface StoredObject extends StoredBlob {
  bytes: Buffer;
  etag: string;
}

const etagOf = (bytes: Uint8Array): string => `"${createHash('sha256').update(bytes).digest('base64url')}"`;

/**
 * Keeps objects in process memory and hands out presigned URLs that behave like the file
 * store's: served by the app itself, signed with a per-process secret, refused once expired.
 */
export class MemoryBlobStore implements BlobStore, SelfServedStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly signer: UrlSigner;

  constructor(
    private readonly clock: Clock,
    publicUrl: string,
  ) {
    this.signer = new UrlSigner(randomBytes(32), publicUrl);
  }

  async put(key: string, bytes: Uint8Array, blob: StoredBlob): Promise<void> {
    this.objects.set(key, { ...blob, bytes: Buffer.from(bytes), etag: etagOf(bytes) });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return this.signer.getUrl(key, this.nowSeconds() + expiresInSeconds);
  }

  async presignPost(key: string, policy: PostPolicy): Promise<PresignedPost> {
    const { url, fields, expires } = this.signer.postForm(key, policy, this.nowSeconds());
    return { url, fields, expiresAt: new Date(expires * 1000).toISOString() };
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    const object = this.objects.get(key);
    return object === undefined ? undefined : { size: object.bytes.length, contentType: object.contentType };
  }

  async readStart(key: string, maxBytes: number): Promise<Uint8Array> {
    // A copy, so the caller cannot change the stored bytes through it.
    return new Uint8Array(this.stored(key).bytes.subarray(0, maxBytes));
  }

  async copy(fromKey: string, toKey: string, blob: StoredBlob): Promise<void> {
    const source = this.stored(fromKey);
    this.objects.set(toKey, { ...blob, bytes: source.bytes, etag: source.etag });
  }

  async ping(): Promise<void> {}

  /** How many objects are held; lets tests and diagnostics see that nothing was left behind. */
  get size(): number {
    return this.objects.size;
  }

  async openSigned(key: string, query: Record<string, string | string[] | undefined>): Promise<ServedObject> {
    const remainingSeconds = this.signer.checkGet(key, query, this.nowSeconds());
    const object = this.stored(key);
    return {
      size: object.bytes.length,
      contentType: object.contentType,
      fileName: object.fileName,
      etag: object.etag,
      remainingSeconds,
      read: (start, end) => Readable.from([object.bytes.subarray(start, end + 1)]),
    };
  }

  async receiveForm(fields: Record<string, string | undefined>, file: Readable): Promise<void> {
    const policy = this.signer.checkPost(fields, this.nowSeconds());
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > policy.maxBytes) throw formTooLarge(policy.maxBytes);
      chunks.push(chunk);
    }
    if (size < policy.minBytes) throw formTooSmall(policy.minBytes);
    const bytes = Buffer.concat(chunks);
    this.objects.set(policy.key, { contentType: policy.contentType, fileName: policy.key.slice(policy.key.lastIndexOf('/') + 1), bytes, etag: etagOf(bytes) });
  }

  /** @throws DomainError `not_found` */
  private stored(key: string): StoredObject {
    const object = this.objects.get(key);
    if (object === undefined) throw notFound('The object does not exist.');
    return object;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
