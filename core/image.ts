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
  /** When its owner last changed it (edit, delete, restore); strictly increasing, so it versions the image. */
  updatedAt: string;
  /** In the owner's trash since then. */
  deletedAt?: string;
  /** With `deletedAt`: when it is erased for good. Once this time has passed, it is as gone as if erased. */
  purgeAt?: string;
}

/**
 * Every listing is ordered by this key, newest first. The id breaks ties between images
 * created in the same millisecond, so a page token can name one exact position.
 */
export const sortKey = (image: Pick<Image, 'createdAt' | 'id'>): string => `${image.createdAt}#${image.id}`;

export const isDeleted = (image: Image): boolean => image.deletedAt !== undefined;

/**
 * Past its purge time, or being erased right now: no route may show or restore it any more.
 * An erasure marks the image by setting both times to its start (see `erasing`), which stays
 * recognisable to a request whose clock read a moment earlier than the erasure's did: a restore
 * that raced it must not bring back an image whose files are being deleted.
 */
export const isErased = (image: Image, now: string): boolean => image.purgeAt !== undefined && (image.purgeAt <= now || erasureBegun(image));

/** Marked by `erasing`: its purge time is no later than its deletion. */
export const erasureBegun = (image: Image): boolean => image.purgeAt !== undefined && image.deletedAt !== undefined && image.purgeAt <= image.deletedAt;

/** The image as an erasure that begins at `at` leaves it: hidden for good, whoever reads it when. */
export function erasing(image: Image, at: string): Image {
  const purgeAt = image.purgeAt !== undefined && image.purgeAt <= at ? image.purgeAt : at;
  return { ...image, deletedAt: at, purgeAt };
}

/** The image as it is out of the trash: live again, or as its live copies (tag links) carry it. */
export function withoutTrash<T extends Pick<Image, 'deletedAt' | 'purgeAt'>>(image: T): Omit<T, 'deletedAt' | 'purgeAt'> {
  const live = { ...image };
  delete live.deletedAt;
  delete live.purgeAt;
  return live;
}

/** The trash lists by this key, newest deletion first. */
export const trashKey = (image: Pick<Image, 'deletedAt' | 'id'>): string => `${image.deletedAt ?? ''}#${image.id}`;

/**
 * The time to record a change made at `now`: later than the previous change even within one
 * millisecond, so `updatedAt` alone tells two versions apart (it is what the ETag is made of).
 */
export function nextUpdateTime(previous: string, now: Date): string {
  const floor = Date.parse(previous) + 1;
  return new Date(Math.max(now.getTime(), floor)).toISOString();
}

/** The version of an image's metadata, as a strong HTTP entity tag. */
export const etagOf = (image: Pick<Image, 'updatedAt'>): string => `"${Date.parse(image.updatedAt).toString(36)}"`;

/** Where a variant's bytes live, beside the original and named by the image, never by a client. */
export const variantKey = (imageId: string, name: VariantName): string => `variants/${imageId}/${name}.webp`;
