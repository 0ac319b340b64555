import { createHmac } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { create as contentDisposition } from 'content-disposition';
import { notFound } from '../../core/errors.ts';
import type { DomainError } from '../../core/errors.ts';
import type { BlobStore, PostPolicy, PresignedPost, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import { GetUrlPresigner } from './get-url-presigner.ts';
import { isNotFound, storeUnavailable, translated } from './s3-errors.ts';

const ENCRYPTION = 'AES256';

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** SigV4's key for one day, region and service, as S3 derives it to check a POST policy. */
const signingKey = (secret: string, day: string, region: string): Buffer =>
  [day, region, 's3', 'aws4_request'].reduce<Buffer | string>(hmac, `AWS4${secret}`) as Buffer;

// GetObject and CopyObject name what is missing; a missing bucket must stay `unavailable`.
const isMissingKey = (error: unknown): boolean => error instanceof S3ServiceException && error.name === 'NoSuchKey';

const missing = (): DomainError => notFound('The object does not exist.');

/** Image bytes in one S3 bucket, downloaded through presigned GET URLs. */
export class S3BlobStore implements BlobStore {
  private readonly getUrls: GetUrlPresigner;

  /** @param clock signs URLs at its time instead of the system's, for tests that move time. */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly clock?: Clock,
  ) {
    this.getUrls = new GetUrlPresigner(client, bucket);
  }

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
      ServerSideEncryption: ENCRYPTION,
    });
    await translated(() => this.client.send(command));
  }

  /**
   * Signs the POST policy itself: @aws-sdk/s3-presigned-post exists on npm only up to 3.1164,
   * and pins its own @aws-sdk/client-s3 of that version, which would put a second S3 client
   * in the bundle. The algorithm is SigV4's, checked against AWS's worked example in the tests.
   */
  async presignPost(key: string, policy: PostPolicy): Promise<PresignedPost> {
    return translated(async () => {
      const now = this.clock?.now() ?? new Date();
      const expiresAt = new Date(now.getTime() + policy.expiresInSeconds * 1000).toISOString();
      const [credentials, region, url] = await Promise.all([this.client.config.credentials(), this.client.config.region(), this.bucketUrl()]);
      const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
      const day = amzDate.slice(0, 8);
      const fields: Record<string, string> = {
        key,
        'x-amz-server-side-encryption': ENCRYPTION,
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': `${credentials.accessKeyId}/${day}/${region}/s3/aws4_request`,
        'X-Amz-Date': amzDate,
        // Temporary credentials (a Lambda's role) are refused without their session token.
        ...(credentials.sessionToken === undefined ? {} : { 'X-Amz-Security-Token': credentials.sessionToken }),
      };
      const document = {
        expiration: expiresAt,
        conditions: [
          { bucket: this.bucket },
          ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
          ['content-length-range', policy.minBytes, policy.maxBytes],
          ['starts-with', '$Content-Type', policy.contentTypePrefix],
        ],
      };
      const encoded = Buffer.from(JSON.stringify(document)).toString('base64');
      fields.Policy = encoded;
      fields['X-Amz-Signature'] = hmac(signingKey(credentials.secretAccessKey, day, region), encoded).toString('hex');
      return { url, fields, expiresAt };
    });
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (!isNotFound(error)) throw storeUnavailable(error);
    }
    // As in `exists`: a missing bucket must not pass for a missing object.
    await this.ping();
    return undefined;
  }

  async readStart(key: string, maxBytes: number): Promise<Uint8Array> {
    try {
      // S3 answers a range past the end with what there is, so a small object comes back whole.
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${maxBytes - 1}` }));
      const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
      // s3rver answers `bytes=0-0` with the whole object; the port promises at most maxBytes.
      return bytes.subarray(0, maxBytes);
    } catch (error) {
      if (isMissingKey(error)) throw missing();
      // An empty object has no byte 0, so S3 finds the range unsatisfiable.
      if (error instanceof S3ServiceException && error.name === 'InvalidRange') return new Uint8Array();
      throw storeUnavailable(error);
    }
  }

  async copy(fromKey: string, toKey: string, blob: StoredBlob): Promise<void> {
    const command = new CopyObjectCommand({
      Bucket: this.bucket,
      Key: toKey,
      // Encoded segment by segment: servers that decode with decodeURI (s3rver) keep %2F as is.
      CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
      // Otherwise the copy keeps the type and name the uploader gave, not the detected ones.
      MetadataDirective: 'REPLACE',
      ContentType: blob.contentType,
      ContentDisposition: contentDisposition(blob.fileName, { type: 'inline' }),
      ServerSideEncryption: ENCRYPTION,
    });
    try {
      await this.client.send(command);
    } catch (error) {
      throw isMissingKey(error) ? missing() : storeUnavailable(error);
    }
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

  // A hot path: a listing signs a URL per image (and per variant). No request is sent, but
  // resolving credentials can still fail.
  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return translated(() => this.getUrls.presign(key, expiresInSeconds, this.clock?.now()));
  }

  async ping(): Promise<void> {
    await translated(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  /**
   * The address forms are POSTed to. The SDK works out path or virtual-host style, FIPS and
   * custom endpoints only while building a request, so one is presigned and its query dropped.
   */
  private async bucketUrl(): Promise<string> {
    const url = new URL(await getSignedUrl(this.client, new HeadBucketCommand({ Bucket: this.bucket })));
    url.search = '';
    return url.toString();
  }
}
