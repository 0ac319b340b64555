import type { Image, Variant, VariantName } from '../image.ts';

export interface CatalogQuery {
  userId?: string;
  /** An image matches when it has ANY of these tags. */
  tags?: string[];
  /** Only images with exactly these bytes (`sha256:<hex>`); needs `userId`, excludes `tags`. */
  checksum?: string;
  /** ISO 8601 UTC, inclusive. */
  from?: string;
  /** ISO 8601 UTC, exclusive. */
  to?: string;
  limit: number;
  /** Resume strictly after this sort key (see `sortKey`), newest first. */
  after?: string;
}

export interface CatalogPage {
  /** Exactly `limit` items unless the listing is exhausted, newest first, no soft-deleted image. */
  items: Image[];
  /** True when at least one more image matches after the last item. */
  more: boolean;
}

export interface TrashQuery {
  ownerId: string;
  limit: number;
  /** Resume strictly after this trash key (see `trashKey`), newest deletion first. */
  after?: string;
  /** Images whose purge time is at or before this are left out: they are as good as erased. */
  now: string;
}

/**
 * Who may erase an image: its owner, whether it is live or in the trash; or the retention sweep,
 * once its purge time has passed.
 */
export type PurgeRight = { ownerId: string } | { expiredBy: string };

/** What processing an image came to: its variants, or why there are none. */
export type ProcessingOutcome =
  | { status: 'ready'; variants: Record<VariantName, Variant>; placeholder: string }
  | { status: 'failed'; reason: string };

/** The metadata store: the one source of truth for which images exist. */
export interface ImageCatalog {
  /** @throws DomainError `conflict` when the id exists, `unavailable` */
  create(image: Image): Promise<void>;

  /** The image, soft-deleted ones included, or undefined. @throws DomainError `unavailable` */
  get(id: string): Promise<Image | undefined>;

  /**
   * Replaces a live image's metadata (title, description, tags, updatedAt) with `after`'s, tag
   * links included, if it is still exactly `before` (same `updatedAt`) and live.
   * @returns false when it changed or was deleted meanwhile. @throws DomainError `unavailable`
   */
  saveEdit(before: Image, after: Image): Promise<boolean>;

  /**
   * Moves the image to its owner's trash if `ownerId` owns it, until `purgeAt`; safe under
   * concurrent calls (exactly one wins).
   * @throws DomainError `not_found`, `forbidden` (another owner), `gone` (already deleted), `unavailable`
   */
  markDeleted(id: string, ownerId: string, deletedAt: string, purgeAt: string): Promise<void>;

  /**
   * Brings a trashed image back into every listing, with its tags, if its purge time is still
   * after `at`. @returns the restored image.
   * @throws DomainError `not_found` (unknown, or erased), `forbidden`, `conflict` (not deleted), `unavailable`
   */
  restore(id: string, ownerId: string, at: string): Promise<Image>;

  /** @throws DomainError `unavailable` */
  list(query: CatalogQuery): Promise<CatalogPage>;

  /** One owner's trash, newest deletion first. @throws DomainError `unavailable` */
  listTrash(query: TrashQuery): Promise<CatalogPage>;

  /**
   * The first step of erasing: hides the image for good (out of every listing, the trash
   * included; its purge time becomes `at` unless already earlier) and returns it, so its files can
   * be removed before `erase`. Returns undefined when there is nothing to erase: unknown, or (for
   * the sweep) not yet expired or restored meanwhile. Calling it again on an image it hid returns
   * it again, so an interrupted erasure can be finished.
   * @throws DomainError `forbidden` (the owner's right, another owner's image), `unavailable`
   */
  beginPurge(id: string, right: PurgeRight, at: string): Promise<Image | undefined>;

  /** The last step of erasing: the record goes, once its files are gone. @throws DomainError `unavailable` */
  erase(id: string): Promise<void>;

  /** Ids of images whose purge time is at or before `at`, interrupted erasures included, at most `limit`. @throws DomainError `unavailable` */
  listPurgeable(at: string, limit: number): Promise<string[]>;

  /**
   * Records what processing came to, only while the image is live and still processing, so a
   * deleted image never gains variants and a second run changes nothing. It is not an edit:
   * `updatedAt` (the image's version) stays.
   * @returns whether it was recorded. @throws DomainError `unavailable`
   */
  recordProcessed(id: string, outcome: ProcessingOutcome): Promise<boolean>;

  /** Ids of live images still processing, oldest first, at most `limit`: the work a restart resumes. @throws DomainError `unavailable` */
  listProcessing(limit: number): Promise<string[]>;

  /** Resolves when the store answers. @throws DomainError `unavailable` */
  ping(): Promise<void>;
}
