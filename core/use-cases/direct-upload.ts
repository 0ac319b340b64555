import { DomainError, invalid, isDomainError, notFound } from '../errors.ts';
import { isDeleted } from '../image.ts';
import type { BlobStore, PresignedPost } from '../ports/blob-store.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { IdGenerator } from '../ports/id-generator.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import type { ImageProbe } from '../ports/image-probe.port.ts';
import type { PendingUpload, PendingUploads } from '../ports/pending-uploads.port.ts';
import type { ProcessingQueue } from '../ports/processing-queue.port.ts';
import type { Originals } from './originals.ts';
import { LIMITS, checkFileSize, isImageId, normaliseTags, parseDescription, parseTitle, parseUserId } from '../rules.ts';
import { inspectImage, newImage } from './inspect-image.ts';
import { ImageUrls } from './image-urls.ts';
import type { SignedImage } from './image-urls.ts';

/** How long a client has to send the file and complete the upload. */
export const UPLOAD_WINDOW_SECONDS = 15 * 60;

export interface StartInput {
  userId: string | undefined;
  title?: string;
  description?: string;
  tags?: readonly string[];
  fileName?: string;
}

export interface StartedUpload {
  upload: PendingUpload;
  post: PresignedPost;
}

/**
 * Reserves an id and a pending key, and hands out a presigned POST that lets the client send
 * the file straight to storage, within the size range and only as an image type.
 */
export class StartDirectUpload {
  constructor(
    private readonly blobs: BlobStore,
    private readonly pending: PendingUploads,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /** @throws DomainError `validation`, `unavailable` */
  async execute(input: StartInput): Promise<StartedUpload> {
    const now = this.clock.now();
    const id = this.ids.next();
    const upload: PendingUpload = {
      id,
      ownerId: parseUserId(input.userId),
      title: parseTitle(input.title),
      description: parseDescription(input.description),
      tags: normaliseTags(input.tags ?? []),
      // Kept raw (bounded) and sanitised at completion, when the format is known.
      fileName: (input.fileName ?? '').slice(0, 4 * LIMITS.fileNameChars),
      key: `pending/${id}`,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + UPLOAD_WINDOW_SECONDS * 1000).toISOString(),
    };
    await this.pending.create(upload);
    const post = await this.blobs.presignPost(upload.key, {
      minBytes: LIMITS.minFileBytes,
      maxBytes: LIMITS.maxFileBytes,
      contentTypePrefix: 'image/',
      expiresInSeconds: UPLOAD_WINDOW_SECONDS,
    });
    return { upload, post };
  }
}

export interface CompletedUpload extends SignedImage {
  /** False when the upload had already been completed and this call only found the image. */
  created: boolean;
}

/**
 * Checks what arrived with the same rules as a direct upload, from its size and first bytes,
 * then moves it to its image key and commits the metadata; a file that fails is deleted.
 */
export class CompleteDirectUpload {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ImageCatalog,
    private readonly pending: PendingUploads,
    private readonly probe: ImageProbe,
    private readonly originals: Originals,
    private readonly queue: ProcessingQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Completing twice is safe: the second call finds the image. Only the uploader may complete.
   * @throws DomainError `not_found`, `forbidden`, `gone` (expired), `validation` (nothing sent yet,
   * or the file breaks a rule), `too_large`, `unsupported_media`, `unavailable`
   */
  async execute(id: string, callerId: string): Promise<CompletedUpload> {
    const caller = parseUserId(callerId, 'caller');
    const upload = isImageId(id) ? await this.pending.get(id) : undefined;
    if (upload === undefined) return this.alreadyCompleted(id, caller);
    if (upload.ownerId !== caller) throw new DomainError('forbidden', 'forbidden', 'Only the uploader can complete this upload.');
    if (this.clock.now().toISOString() >= upload.expiresAt) {
      await this.discard(upload);
      throw new DomainError('gone', 'gone', 'This upload has expired; start a new one.');
    }
    try {
      return await this.commit(upload);
    } catch (error) {
      // A concurrent completion of the same upload may have won meanwhile and moved the file on
      // (so this one found it missing): the caller asked for that image, and it exists.
      const image = await this.catalog.get(upload.id).catch(() => undefined);
      if (image !== undefined && !isDeleted(image) && image.ownerId === caller) return { ...(await this.withUrl(image)), created: false };
      throw error;
    }
  }

  private async commit(upload: PendingUpload): Promise<CompletedUpload> {
    const stored = await this.blobs.stat(upload.key);
    if (stored === undefined) throw invalid('No file has been sent for this upload yet.', { field: 'file' });
    let inspected;
    let uploaded: Uint8Array;
    try {
      checkFileSize(stored.size);
      // The whole file, not its header: a second frame header can hide anywhere in it.
      uploaded = await this.blobs.readStart(upload.key, stored.size);
      inspected = await inspectImage(this.probe, uploaded, stored.size);
    } catch (error) {
      // A file that breaks a rule is refused for good; only an outage leaves it for a retry.
      if (isDomainError(error) && error.kind !== 'unavailable' && error.kind !== 'not_found') await this.discard(upload);
      throw error;
    }

    const original = this.originals.prepare(uploaded, inspected.format);
    const image = newImage(upload.id, upload, inspected, { size: original.bytes.byteLength, checksum: original.checksum }, this.clock.now().toISOString());
    const blob = { contentType: image.contentType, fileName: image.fileName };
    // Scrubbed bytes are written; bytes kept as they came are copied within the store.
    if (original.bytes === uploaded) await this.blobs.copy(upload.key, image.storageKey, blob);
    else await this.blobs.put(image.storageKey, original.bytes, blob);
    try {
      await this.catalog.create(image);
    } catch (error) {
      // A concurrent completion won the race: its image is this one.
      if (isDomainError(error, 'conflict')) return this.alreadyCompleted(upload.id, upload.ownerId);
      await this.blobs.delete(image.storageKey).catch(() => {});
      throw error;
    }
    await this.discard(upload).catch(() => {
      // The image is committed; a leftover pending object is swept later.
    });
    this.queue.enqueue(image.id);
    return { ...(await this.withUrl(image)), created: true };
  }

  private async alreadyCompleted(id: string, caller: string): Promise<CompletedUpload> {
    const image = isImageId(id) ? await this.catalog.get(id) : undefined;
    if (image === undefined || isDeleted(image)) throw notFound(`Upload ${id} was not found.`);
    if (image.ownerId !== caller) throw new DomainError('forbidden', 'forbidden', 'Only the uploader can complete this upload.');
    return { ...(await this.withUrl(image)), created: false };
  }

  private async withUrl(image: SignedImage['image']): Promise<SignedImage> {
    return new ImageUrls(this.blobs, this.originals).sign(image, { viewer: image.ownerId });
  }

  private async discard(upload: PendingUpload): Promise<void> {
    await this.blobs.delete(upload.key);
    await this.pending.delete(upload.id);
  }
}

/** Removes uploads never completed: their objects and records (the embedded stack has no TTL). */
export class SweepExpiredUploads {
  constructor(
    private readonly blobs: BlobStore,
    private readonly pending: PendingUploads,
    private readonly clock: Clock,
  ) {}

  /** @returns how many were removed. @throws DomainError `unavailable` */
  async execute(batch = 100): Promise<number> {
    const now = this.clock.now().toISOString();
    const expired = await this.pending.listExpired(now, batch);
    for (const upload of expired) {
      // The index may lag a completion: re-read before deleting anything.
      const current = await this.pending.get(upload.id);
      if (current === undefined || current.expiresAt > now) continue;
      await this.blobs.delete(current.key);
      await this.pending.delete(current.id);
    }
    return expired.length;
  }
}
