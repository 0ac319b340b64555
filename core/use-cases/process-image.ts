import { isDomainError } from '../errors.ts';
import { VARIANT_NAMES, isDeleted, variantKey } from '../image.ts';
import type { Variant, VariantName } from '../image.ts';
import type { BlobStore } from '../ports/blob-store.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import type { ImageProcessor } from '../ports/image-processor.port.ts';

/** What one run came to; a second run of a finished image is `already done`. */
export type ProcessingResult = 'ready' | 'failed' | 'already done' | 'gone';

/**
 * Makes an image's variants and records them: a thumbnail, a display size and a placeholder.
 * Safe to run any number of times, and at any moment of a delete: variants are written under
 * keys of their own, then recorded only if the image is still live and processing, and removed
 * again when it is not, so a deleted image never keeps one. A file no decoder reads marks the
 * image `failed`; an outage is thrown, for the caller to retry.
 */
export class ProcessImage {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ImageCatalog,
    private readonly processor: ImageProcessor,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError `unavailable` (retry later) */
  async execute(imageId: string): Promise<ProcessingResult> {
    const image = await this.catalog.get(imageId);
    // Recorded variants stay, even in the trash: a restore brings the image back whole.
    if (image !== undefined && image.status !== 'processing') return 'already done';
    if (image === undefined || isDeleted(image)) {
      await this.removeVariants(imageId);
      return 'gone';
    }

    let original: Uint8Array;
    try {
      original = await this.blobs.readStart(image.storageKey, image.fileSize);
    } catch (error) {
      // Erased meanwhile: its original went first, then its record.
      if (isDomainError(error, 'not_found')) return 'gone';
      throw error;
    }
    let rendered;
    try {
      rendered = await this.processor.render(original, image.format);
    } catch (error) {
      if (!isDomainError(error, 'validation')) throw error;
      const recorded = await this.catalog.recordProcessed(imageId, { status: 'failed', reason: error.message });
      return recorded ? 'failed' : 'already done';
    }

    const variants = {} as Record<VariantName, Variant>;
    for (const name of VARIANT_NAMES) {
      const { bytes, width, height, contentType } = rendered.variants[name];
      await this.blobs.put(variantKey(imageId, name), bytes, { contentType, fileName: `${image.fileName.replace(/\.[^.]*$/, '')}-${name}.webp` });
      variants[name] = { width, height, contentType, size: bytes.byteLength };
    }
    const recorded = await this.catalog.recordProcessed(imageId, { status: 'ready', variants, placeholder: rendered.placeholder });
    if (recorded) return 'ready';
    // Deleted meanwhile, or finished by another run: what this run wrote goes, unless it is that run's.
    // Unless another run recorded them (same keys, same bytes), nothing refers to what this one wrote.
    const now = await this.catalog.get(imageId);
    if (now === undefined || now.status === 'processing') {
      await this.removeVariants(imageId);
      return 'gone';
    }
    return 'already done';
  }

  /**
   * Marks a still-processing image `failed` when retries are exhausted (a worker's attempts, a
   * queue's last delivery), so nothing stays `processing` for good. Harmless if it finished meanwhile.
   * @throws DomainError `unavailable`
   */
  async giveUp(imageId: string, reason: string): Promise<void> {
    await this.catalog.recordProcessed(imageId, { status: 'failed', reason });
  }

  private async removeVariants(imageId: string): Promise<void> {
    await Promise.all(VARIANT_NAMES.map((name) => this.blobs.delete(variantKey(imageId, name))));
  }
}
