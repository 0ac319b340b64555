import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, notFound } from '../../core/errors.ts';
import type { BlobStore, PostPolicy, PresignedPost, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';

export interface StoredObject extends StoredBlob {
  bytes: Buffer;
}

/** The path under which the app serves this store's presigned URLs. */
export const LOCAL_BLOB_PATH = '/local-blobs';

/** A form as POSTed to a `presignPost` URL: its text fields, and the bytes of its `file`. */
export interface PostedForm {
  fields: Record<string, string | undefined>;
  bytes: Buffer;
}

/** What a presigned POST allows, signed as the form's `policy` field. */
interface SignedPostPolicy {
  key: string;
  /** Unix seconds. */
  expires: number;
  minBytes: number;
  maxBytes: number;
  contentTypePrefix: string;
}

const postRefused = (condition: string): DomainError =>
  new DomainError('forbidden', 'forbidden', 'The upload form is not valid.', { details: { condition } });

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

  async presignPost(key: string, policy: PostPolicy): Promise<PresignedPost> {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + policy.expiresInSeconds;
    const signed: SignedPostPolicy = {
      key,
      expires,
      minBytes: policy.minBytes,
      maxBytes: policy.maxBytes,
      contentTypePrefix: policy.contentTypePrefix,
    };
    const encoded = Buffer.from(JSON.stringify(signed)).toString('base64url');
    return {
      url: new URL(LOCAL_BLOB_PATH, this.publicUrl).toString(),
      fields: { key, policy: encoded, signature: this.signPolicy(encoded) },
      expiresAt: new Date(expires * 1000).toISOString(),
    };
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
    this.objects.set(toKey, { ...blob, bytes: this.stored(fromKey).bytes });
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
    return this.stored(key);
  }

  /**
   * Stores the file of a form POSTed to a `presignPost` URL if its policy allows it, checking
   * what S3 checks. Refusals are S3's: 403 for a forged or expired policy or a condition not
   * met, 400 (codes `entity_too_small`, `entity_too_large`) for a size outside the range.
   * @throws DomainError `forbidden`, `validation`
   */
  acceptPost(form: PostedForm): void {
    const encoded = form.fields.policy ?? '';
    const expected = Buffer.from(this.signPolicy(encoded));
    const given = Buffer.from(form.fields.signature ?? '');
    if (encoded === '' || given.length !== expected.length || !timingSafeEqual(given, expected)) throw postRefused('signature');
    // Signed by this process, so it parses; nothing unsigned is ever parsed.
    const policy = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as SignedPostPolicy;
    if (this.clock.now().getTime() / 1000 >= policy.expires) throw postRefused('expiration');
    if (form.fields.key !== policy.key) throw postRefused('key');
    const contentType = form.fields['Content-Type'];
    if (contentType === undefined || !contentType.startsWith(policy.contentTypePrefix)) throw postRefused('Content-Type');
    const size = form.bytes.length;
    if (size < policy.minBytes) {
      throw new DomainError('validation', 'entity_too_small', 'The file is smaller than the upload allows.', { details: { min_bytes: policy.minBytes } });
    }
    if (size > policy.maxBytes) {
      throw new DomainError('validation', 'entity_too_large', 'The file is larger than the upload allows.', { details: { max_bytes: policy.maxBytes } });
    }
    this.objects.set(policy.key, { contentType, fileName: policy.key.slice(policy.key.lastIndexOf('/') + 1), bytes: Buffer.from(form.bytes) });
  }

  /** @throws DomainError `not_found` */
  private stored(key: string): StoredObject {
    const object = this.objects.get(key);
    if (object === undefined) throw notFound('The object does not exist.');
    return object;
  }

  // Prefixed so that no download signature can pass for an upload one, or the reverse.
  private signPolicy(encoded: string): string {
    return createHmac('sha256', this.secret).update(`post\n${encoded}`).digest('base64url');
  }

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url');
  }
}
