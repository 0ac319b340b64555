import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { create as contentDisposition } from 'content-disposition';
import type { BlobStore, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import { isNotFound, storeUnavailable, translated } from './s3-errors.ts';

/** Image bytes in one S3 bucket, downloaded through presigned GET URLs. */
export class S3BlobStore implements BlobStore {
  /** @param clock signs URLs at its time instead of the system's, for tests that move time. */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly clock?: Clock,
  ) {}

  async put(key: string, bytes: Uint8Array, blob: StoredBlob): Promise<void> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: blob.contentType,
      // Stored with the object, so S3 itself names the download; `create` escapes quotes and
      // control characters and adds the RFC 6266 `filename*` form for non-ASCII names.
      ContentDisposition: contentDisposition(blob.fileName, { type: 'inline' }),
      ServerSideEncryption: 'AES256',
    });
    await translated(() => this.client.send(command));
  }

  async delete(key: string): Promise<void> {
    await translated(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (!isNotFound(error)) throw storeUnavailable(error);
    }
    // A missing bucket answers HEAD with the same bare 404, and must not pass for an absent object.
    await this.ping();
    return false;
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: key });
    const signingDate = this.clock?.now();
    // No request is sent, but resolving credentials can still fail.
    return translated(() => getSignedUrl(this.client, command, { expiresIn: expiresInSeconds, ...(signingDate === undefined ? {} : { signingDate }) }));
  }

  async ping(): Promise<void> {
    await translated(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }
}
