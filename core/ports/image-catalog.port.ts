import type { Image, Variant, VariantName } from '../image.ts';

export interface CatalogQuery {
  userId?: string;
  /** An image matches when it has ANY of these tags. */
  tags?: string[];
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
   * Soft-deletes the image if `ownerId` owns it; safe under concurrent calls (exactly one wins).
   * @throws DomainError `not_found`, `forbidden` (another owner), `gone` (already deleted), `unavailable`
   */
  markDeleted(id: string, ownerId: string, deletedAt: string): Promise<void>;

  /** @throws DomainError `unavailable` */
  list(query: CatalogQuery): Promise<CatalogPage>;

  /**
   * Records what processing came to, only while the image is live and still processing, so a
   * deleted image never gains variants and a second run changes nothing.
   * @returns whether it was recorded. @throws DomainError `unavailable`
   */
  recordProcessed(id: string, outcome: ProcessingOutcome, at: string): Promise<boolean>;

  /** Ids of live images still processing, oldest first, at most `limit`: the work a restart resumes. @throws DomainError `unavailable` */
  listProcessing(limit: number): Promise<string[]>;

  /** Resolves when the store answers. @throws DomainError `unavailable` */
  ping(): Promise<void>;
}
