import { invalid, notFound } from '../errors.ts';
import { isDeleted, sortKey } from '../image.ts';
import type { Image } from '../image.ts';
import type { ImageUrls, SignedImage } from './image-urls.ts';
import type { CatalogQuery, ImageCatalog } from '../ports/image-catalog.port.ts';
import type { PageTokens } from '../ports/page-tokens.port.ts';
import { LIMITS, checkIntegerInRange, isImageId, normaliseTags, parseChecksum, parseInstant, parseRangeEnd, parseUserId } from '../rules.ts';

export class GetImage {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly urls: ImageUrls,
  ) {}

  /** A soft-deleted image is as unknown as one that never existed. @throws `not_found` */
  async execute(id: string): Promise<Image> {
    const image = isImageId(id) ? await this.catalog.get(id) : undefined;
    if (image === undefined || isDeleted(image)) throw notFound(`Image ${id} was not found.`);
    return image;
  }

  /**
   * The image with its URLs (the original's when the viewer may have it), or with none, as a
   * listing gives them. @throws `not_found`
   */
  async signed(id: string, viewer: string | undefined, withUrls = true): Promise<SignedImage> {
    return this.urls.sign(await this.execute(id), { viewer, original: withUrls, variants: withUrls });
  }

  /**
   * A download URL for the original, for the requested time.
   * @throws `not_found`, `validation` (expiry outside 60..86400 s), `forbidden` (originals kept as uploaded, not the owner)
   */
  async download(id: string, viewer: string | undefined, expiresIn: number = LIMITS.expiresIn.default): Promise<SignedImage & { downloadUrl: string }> {
    checkIntegerInRange(expiresIn, LIMITS.expiresIn, 'expires_in');
    const image = await this.execute(id);
    this.urls.checkOriginal(image, viewer);
    const signed = await this.urls.sign(image, { expiresIn, viewer, variants: false });
    return { ...signed, downloadUrl: signed.downloadUrl! };
  }
}

export interface ListInput {
  /** Whether each image gets its URLs, the original's and its variants' (the default); signing is most of a listing's work. */
  withUrls?: boolean;
  /** Who asks (see ImageUrls). */
  viewer?: string | undefined;
  userId?: string;
  tags?: readonly string[];
  /** Only the user's images with exactly these bytes (`sha256:<hex>`): needs `userId`, not `tags`. */
  checksum?: string;
  startDate?: string;
  endDate?: string;
  limit?: number;
  pageToken?: string;
}

export interface ListResult {
  images: SignedImage[];
  nextPageToken: string | null;
}

export class ListImages {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly urls: ImageUrls,
    private readonly tokens: PageTokens,
  ) {}

  async execute(input: ListInput): Promise<ListResult> {
    const query = this.toQuery(input);
    // The token is bound to everything but the position, so it cannot be replayed on another query.
    const fingerprint = JSON.stringify([query.userId, query.tags?.toSorted(), query.from, query.to, query.limit, query.checksum]);
    if (input.pageToken !== undefined) query.after = this.tokens.read(input.pageToken, fingerprint);

    const page = await this.catalog.list(query);
    const withUrls = input.withUrls !== false;
    const images = await Promise.all(page.items.map((image) => this.urls.sign(image, { viewer: input.viewer, original: withUrls, variants: withUrls })));
    const last = page.items.at(-1);
    const nextPageToken = page.more && last !== undefined ? this.tokens.issue(sortKey(last), fingerprint) : null;
    return { images, nextPageToken };
  }

  private toQuery(input: ListInput): CatalogQuery {
    const query: CatalogQuery = { limit: checkIntegerInRange(input.limit ?? LIMITS.pageSize.default, LIMITS.pageSize, 'limit') };
    if (input.userId !== undefined) query.userId = parseUserId(input.userId);
    if (input.tags !== undefined && input.tags.length > 0) query.tags = normaliseTags(input.tags);
    if (input.checksum !== undefined) {
      query.checksum = parseChecksum(input.checksum);
      // An index per owner and checksum answers this; a checksum across all users would be a way to probe who has a file.
      if (query.userId === undefined) throw invalid('checksum needs user_id: it finds one user\'s images with those bytes.', { field: 'checksum' });
      if (query.tags !== undefined) throw invalid('checksum cannot be combined with tags.', { field: 'checksum' });
    }
    if (input.startDate !== undefined) query.from = parseInstant(input.startDate, 'start_date');
    if (input.endDate !== undefined) {
      const to = parseRangeEnd(input.endDate, 'end_date');
      if (to !== undefined) query.to = to;
    }
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
      throw invalid('start_date must be before end_date.', { field: 'start_date' });
    }
    return query;
  }
}
