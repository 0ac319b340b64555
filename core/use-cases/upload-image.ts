import { invalid } from '../errors.ts';
import type { Image } from '../image.ts';
import type { BlobStore } from '../ports/blob-store.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { IdGenerator } from '../ports/id-generator.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import type { ImageProbe } from '../ports/image-probe.port.ts';
import type { ImageWithUrl } from './read-images.ts';
import {
  FORMATS,
  LIMITS,
  acceptedFormat,
  checkDimensions,
  checkFileSize,
  displayFileName,
  normaliseTags,
  parseDescription,
  parseTitle,
  parseUserId,
} from '../rules.ts';

export interface UploadInput {
  userId: string | undefined;
  title?: string;
  description?: string;
  tags?: readonly string[];
  /** As the client named it; kept only as sanitised display metadata. */
  fileName?: string;
  bytes: Uint8Array;
}

export class UploadImage {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ImageCatalog,
    private readonly probe: ImageProbe,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Validates everything before anything is written, then writes the object and then its
   * metadata. An object without metadata is invisible, so if the metadata write fails the
   * object is removed and the caller sees the failure.
   */
  async execute(input: UploadInput): Promise<ImageWithUrl> {
    const ownerId = parseUserId(input.userId);
    const title = parseTitle(input.title);
    const description = parseDescription(input.description);
    const tags = normaliseTags(input.tags ?? []);
    checkFileSize(input.bytes.byteLength);

    const probed = await this.probe.probe(input.bytes);
    const format = acceptedFormat(probed.contentType);
    if (probed.width === undefined || probed.height === undefined) {
      throw invalid('The image header could not be read; the file may be truncated or corrupt.', { field: 'file' });
    }
    checkDimensions(probed.width, probed.height);

    const id = this.ids.next();
    const now = this.clock.now().toISOString();
    const image: Image = {
      id,
      ownerId,
      title,
      description,
      tags,
      fileName: displayFileName(input.fileName, format),
      fileSize: input.bytes.byteLength,
      contentType: FORMATS[format].contentType,
      format,
      width: probed.width,
      height: probed.height,
      storageKey: `images/${id}.${FORMATS[format].extension}`,
      createdAt: now,
      updatedAt: now,
    };

    await this.blobs.put(image.storageKey, input.bytes, { contentType: image.contentType, fileName: image.fileName });
    try {
      await this.catalog.create(image);
    } catch (error) {
      await this.blobs.delete(image.storageKey).catch(() => {
        // The metadata failure is what the caller must see; an orphan object is invisible.
      });
      throw error;
    }
    const expiresIn = LIMITS.expiresIn.default;
    return { image, downloadUrl: await this.blobs.presignGet(image.storageKey, expiresIn), expiresIn };
  }
}
