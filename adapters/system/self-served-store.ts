import type { Readable } from 'node:stream';
import type { BlobStore } from '../../core/ports/blob-store.port.ts';

/** An object a signed URL names, ready to be sent whole or in part. */
export interface ServedObject {
  size: number;
  contentType: string;
  fileName: string;
  /** Strong validator of the bytes, quoted as HTTP sends it. */
  etag: string;
  /** Seconds the URL that opened it has left; caches must not keep it longer. */
  remainingSeconds: number;
  /** The bytes from `start` to `end`, both inclusive. */
  read(start: number, end: number): Readable;
}

/**
 * A blob store whose presigned URLs the service serves itself at PUBLIC_URL (the in-memory
 * and the file store), where S3 serves its own. The HTTP routes need only this.
 */
export interface SelfServedStore extends BlobStore {
  /** @throws DomainError `forbidden` (bad or expired signature), `not_found` */
  openSigned(key: string, query: Record<string, string | string[] | undefined>): Promise<ServedObject>;

  /**
   * Stores the file of a form POSTed to a `presignPost` URL, if the form's policy allows it;
   * `file` is read as it arrives, and nothing is left behind when it is refused.
   * @throws DomainError `forbidden` (policy), `validation` (too small), `too_large`, `unavailable`
   */
  receiveForm(fields: Record<string, string | undefined>, file: Readable): Promise<void>;
}
