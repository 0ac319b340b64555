import type { BlobStore } from '../ports/blob-store.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { IdGenerator } from '../ports/id-generator.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import type { ImageProbe } from '../ports/image-probe.port.ts';
import type { ProcessingQueue } from '../ports/processing-queue.port.ts';
import { ImageUrls } from './image-urls.ts';
import type { SignedImage } from './image-urls.ts';
import type { Originals } from './originals.ts';
import { normaliseTags, parseDescription, parseTitle, parseUserId } from '../rules.ts';
import { inspectImage, newImage } from './inspect-image.ts';

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
    private readonly originals: Originals,
    private readonly queue: ProcessingQueue,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Validates everything before anything is written, then writes the (scrubbed) original and
   * then its metadata. An object without metadata is invisible, so if the metadata write fails
   * the object is removed and the caller sees the failure. The image is answered `processing`:
   * its variants are made off the request path.
   */
  async execute(input: UploadInput): Promise<SignedImage> {
    const metadata = {
      ownerId: parseUserId(input.userId),
      title: parseTitle(input.title),
      description: parseDescription(input.description),
      tags: normaliseTags(input.tags ?? []),
      fileName: input.fileName,
    };
    const inspected = await inspectImage(this.probe, input.bytes, input.bytes.byteLength);
    const original = this.originals.prepare(input.bytes, inspected.format);
    const image = newImage(this.ids.next(), metadata, inspected, { size: original.bytes.byteLength, checksum: original.checksum }, this.clock.now().toISOString());

    await this.blobs.put(image.storageKey, original.bytes, { contentType: image.contentType, fileName: image.fileName });
    try {
      await this.catalog.create(image);
    } catch (error) {
      await this.blobs.delete(image.storageKey).catch(() => {
        // The metadata failure is what the caller must see; an orphan object is invisible.
      });
      throw error;
    }
    this.queue.enqueue(image.id);
    return new ImageUrls(this.blobs, this.originals).sign(image, { viewer: image.ownerId });
  }
}
