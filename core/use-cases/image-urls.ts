import { DomainError } from '../errors.ts';
import { VARIANT_NAMES, variantKey } from '../image.ts';
import type { Image, VariantName } from '../image.ts';
import type { BlobStore } from '../ports/blob-store.port.ts';
import { LIMITS } from '../rules.ts';
import type { Originals } from './originals.ts';

/** An image with the URLs a client may fetch it through, each valid for `expiresIn` seconds. */
export interface SignedImage {
  image: Image;
  /** The original; null when not asked for, or when the viewer may not have it. */
  downloadUrl: string | null;
  /** One per variant the image has. */
  variantUrls: Partial<Record<VariantName, string>>;
  expiresIn: number;
}

export interface SignOptions {
  expiresIn?: number;
  /** Who asks: with originals kept as uploaded (metadata and all), only their owner gets one. */
  viewer?: string | undefined;
  /** Whether to sign the original at all (a listing may leave URLs out). */
  original?: boolean;
  variants?: boolean;
}

/** Signs the URLs of an image for a viewer: the original where the viewer may have it, and its variants. */
export class ImageUrls {
  constructor(
    private readonly blobs: BlobStore,
    private readonly originals: Originals,
  ) {}

  /** Whether `viewer` may be given the original bytes. */
  mayHaveOriginal(image: Image, viewer: string | undefined): boolean {
    return !this.originals.keepMetadata || viewer === image.ownerId;
  }

  /** @throws DomainError `forbidden` when originals are kept as uploaded and the viewer is not the owner */
  checkOriginal(image: Image, viewer: string | undefined): void {
    if (!this.mayHaveOriginal(image, viewer)) {
      throw new DomainError('forbidden', 'forbidden', 'This service keeps originals as uploaded, with their metadata: only their owner can download them.');
    }
  }

  async sign(image: Image, options: SignOptions = {}): Promise<SignedImage> {
    const expiresIn = options.expiresIn ?? LIMITS.expiresIn.default;
    const original = (options.original ?? true) && this.mayHaveOriginal(image, options.viewer);
    const names = options.variants === false || image.variants === undefined ? [] : VARIANT_NAMES;
    const [downloadUrl, ...signed] = await Promise.all([
      original ? this.blobs.presignGet(image.storageKey, expiresIn) : null,
      ...names.map((name) => this.blobs.presignGet(variantKey(image.id, name), expiresIn)),
    ]);
    const variantUrls = Object.fromEntries(names.map((name, i) => [name, signed[i]!]));
    return { image, downloadUrl, variantUrls, expiresIn };
  }
}
