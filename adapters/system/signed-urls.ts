import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../core/errors.ts';
import type { PostPolicy } from '../../core/ports/blob-store.port.ts';

/** The path under which the service serves the URLs of the stores it serves itself. */
export const FILES_PATH = '/files';

/** What a presigned POST allows, carried base64url-encoded in the form's `policy` field. */
export interface SignedPostPolicy {
  key: string;
  /** Unix seconds; the form is refused from then on. */
  expires: number;
  minBytes: number;
  maxBytes: number;
  contentTypePrefix: string;
}

const refused = (message: string, condition?: string): DomainError =>
  new DomainError('forbidden', 'forbidden', message, condition === undefined ? {} : { details: { condition } });

const sameSignature = (given: string | undefined, expected: string): boolean => {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The URL path of a key: each segment percent-encoded, slashes kept, so keys read as paths. */
export const filePath = (key: string): string => `${FILES_PATH}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * HMAC-SHA256 URLs for stores the service serves itself (S3 signs its own). A download
 * signature covers the method, the key and the expiry, so changing any of them, or adding a
 * parameter the signature does not cover, gets a 403; a form's covers its whole policy.
 * Download and form signatures are prefixed differently, so neither can pass for the other.
 */
export class UrlSigner {
  constructor(
    private readonly secret: Uint8Array,
    private readonly publicUrl: string,
  ) {}

  getUrl(key: string, expires: number): string {
    const url = new URL(filePath(key), this.publicUrl);
    url.search = `expires=${expires}&signature=${this.sign(`GET\n${key}\n${expires}`)}`;
    return url.toString();
  }

  /**
   * Checks a download's query exactly: `expires` and `signature`, nothing else, so no
   * `response-content-type` or other override can ride along.
   * @returns the remaining life in seconds. @throws DomainError `forbidden` (code `url_expired` once expired)
   */
  checkGet(key: string, query: Record<string, string | string[] | undefined>, nowSeconds: number): number {
    const names = Object.keys(query);
    const { expires, signature } = query;
    if (names.length !== 2 || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) {
      throw refused('The download URL is not valid.');
    }
    if (!sameSignature(signature, this.sign(`GET\n${key}\n${expires}`))) throw refused('The download URL is not valid.');
    const remaining = Number(expires) - nowSeconds;
    if (remaining <= 0) throw new DomainError('forbidden', 'url_expired', 'The download URL has expired; ask for a new one.');
    return remaining;
  }

  postForm(key: string, policy: PostPolicy, nowSeconds: number): { url: string; fields: Record<string, string>; expires: number } {
    const signed: SignedPostPolicy = {
      key,
      expires: nowSeconds + policy.expiresInSeconds,
      minBytes: policy.minBytes,
      maxBytes: policy.maxBytes,
      contentTypePrefix: policy.contentTypePrefix,
    };
    const encoded = Buffer.from(JSON.stringify(signed)).toString('base64url');
    return {
      url: new URL(FILES_PATH, this.publicUrl).toString(),
      fields: { key, policy: encoded, signature: this.sign(`POST\n${encoded}`) },
      expires: signed.expires,
    };
  }

  /**
   * The policy of a form, once its signature, expiry, key and Content-Type have been checked;
   * the size is the caller's to check as the bytes arrive.
   * @throws DomainError `forbidden` naming the condition that failed
   */
  checkPost(fields: Record<string, string | undefined>, nowSeconds: number): SignedPostPolicy & { contentType: string } {
    const encoded = fields.policy ?? '';
    if (encoded === '' || !sameSignature(fields.signature, this.sign(`POST\n${encoded}`))) throw refused('The upload form is not valid.', 'signature');
    // Signed by this service, so it parses; nothing unsigned is ever parsed.
    const policy = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as SignedPostPolicy;
    if (nowSeconds >= policy.expires) throw refused('The upload form has expired; start a new upload.', 'expiration');
    if (fields.key !== policy.key) throw refused('The upload form is not valid.', 'key');
    const contentType = fields['Content-Type'];
    if (contentType === undefined || !contentType.startsWith(policy.contentTypePrefix)) {
      throw refused(`The form's Content-Type must start with ${policy.contentTypePrefix}.`, 'Content-Type');
    }
    return { ...policy, contentType };
  }

  private sign(message: string): string {
    return createHmac('sha256', this.secret).update(message).digest('base64url');
  }
}

/** A file larger than the form's policy allows: 413, as HTTP names it (S3 says 400 EntityTooLarge). */
export const formTooLarge = (maxBytes: number): DomainError =>
  new DomainError('too_large', 'entity_too_large', `The file is larger than this upload allows (${maxBytes} bytes).`, { details: { max_bytes: maxBytes } });

export const formTooSmall = (minBytes: number): DomainError =>
  new DomainError('validation', 'entity_too_small', `The file is smaller than this upload allows (${minBytes} bytes).`, { details: { min_bytes: minBytes } });
