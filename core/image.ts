export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** `processing` until its variants exist, then `ready`, or `failed` with a reason. */
export type ImageStatus = 'processing' | 'ready' | 'failed';

export type VariantName = 'thumb' | 'display';
export const VARIANT_NAMES: readonly VariantName[] = ['thumb', 'display'];

/** A derived picture of the image (WebP, orientation applied, no metadata), stored beside it. */
export interface Variant {
  width: number;
  height: number;
  contentType: string;
  size: number;
}

/** An image as the domain knows it; timestamps are ISO 8601 UTC strings with milliseconds. */
export interface Image {
  id: string;
  ownerId: string;
  title: string | null;
  description: string | null;
  tags: string[];
  fileName: string;
  fileSize: number;
  contentType: string;
  format: ImageFormat;
  /** As displayed: after the EXIF orientation is applied. */
  width: number;
  height: number;
  storageKey: string;
  /** `sha256:` and the hex digest of the stored original's bytes. */
  checksum: string;
  status: ImageStatus;
  /** Why processing failed, for a `failed` image. */
  statusReason?: string;
  variants?: Record<VariantName, Variant>;
  /** A ThumbHash (base64) to show blurred while the thumbnail loads. */
  placeholder?: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

/**
 * Every listing is ordered by this key, newest first. The id breaks ties between images
 * created in the same millisecond, so a page token can name one exact position.
 */
export const sortKey = (image: Pick<Image, 'createdAt' | 'id'>): string => `${image.createdAt}#${image.id}`;

export const isDeleted = (image: Image): boolean => image.deletedAt !== undefined;

/** Where a variant's bytes live, beside the original and named by the image, never by a client. */
export const variantKey = (imageId: string, name: VariantName): string => `variants/${imageId}/${name}.webp`;
