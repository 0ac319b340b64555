import { DomainError, notFound } from '../errors.ts';
import { isDeleted, isErased, nextUpdateTime, trashKey } from '../image.ts';
import type { Image } from '../image.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import type { PageTokens } from '../ports/page-tokens.port.ts';
import type { ProcessingQueue } from '../ports/processing-queue.port.ts';
import { LIMITS, checkIntegerInRange, isImageId, parseUserId } from '../rules.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The image, live or in the trash, and the time it was read at; unknown and erased ones are not found. */
async function unerased(catalog: ImageCatalog, clock: Clock, id: string): Promise<{ image: Image; now: Date }> {
  const image = isImageId(id) ? await catalog.get(id) : undefined;
  const now = clock.now();
  if (image === undefined || isErased(image, now.toISOString())) throw notFound(`Image ${id} was not found.`);
  return { image, now };
}

export interface Trashed {
  deletedAt: string;
  purgeAt: string;
}

/** Moves an image to its owner's trash, where it stays `trashDays` before it is erased. */
export class DeleteImage {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock,
    private readonly trashDays: number,
  ) {}

  /**
   * The image leaves every listing and read at once; its files stay until it is erased, so a
   * mistaken delete can be undone.
   * @throws `validation` (bad caller id), `not_found`, `forbidden`, `gone` (already deleted)
   */
  async execute(id: string, callerId: string): Promise<Trashed> {
    const caller = parseUserId(callerId, 'caller');
    const { image, now } = await unerased(this.catalog, this.clock, id);
    const deletedAt = nextUpdateTime(image.updatedAt, now);
    const purgeAt = new Date(Date.parse(deletedAt) + this.trashDays * DAY_MS).toISOString();
    await this.catalog.markDeleted(id, caller, deletedAt, purgeAt);
    return { deletedAt, purgeAt };
  }
}

export class RestoreImage {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly queue: ProcessingQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Brings an image back from the trash into every listing, with its tags; one deleted while
   * it was processing is processed again.
   * @throws `not_found` (unknown, or erased), `forbidden`, `conflict` (not in the trash)
   */
  async execute(id: string, callerId: string): Promise<Image> {
    const caller = parseUserId(callerId, 'caller');
    const { image, now } = await unerased(this.catalog, this.clock, id);
    if (image.ownerId !== caller) throw new DomainError('forbidden', 'forbidden', 'Only the owner can restore this image.');
    if (!isDeleted(image)) throw new DomainError('conflict', 'not_deleted', `Image ${id} is not in the trash.`);
    const restored = await this.catalog.restore(id, caller, nextUpdateTime(image.updatedAt, now));
    if (restored.status === 'processing') this.queue.enqueue(restored.id);
    return restored;
  }
}

export interface TrashPage {
  images: Image[];
  nextPageToken: string | null;
}

export class ListTrash {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly tokens: PageTokens,
    private readonly clock: Clock,
  ) {}

  /** The caller's own trash, newest deletion first. @throws `validation`, `forbidden` (someone else's trash) */
  async execute(ownerId: string, callerId: string, input: { limit?: number; pageToken?: string }): Promise<TrashPage> {
    const owner = parseUserId(ownerId);
    const caller = parseUserId(callerId, 'caller');
    if (owner !== caller) throw new DomainError('forbidden', 'forbidden', 'A trash is visible to its owner only.');
    const limit = checkIntegerInRange(input.limit ?? LIMITS.pageSize.default, LIMITS.pageSize, 'limit');
    const fingerprint = JSON.stringify(['trash', owner, limit]);
    const after = input.pageToken === undefined ? undefined : this.tokens.read(input.pageToken, fingerprint);
    const page = await this.catalog.listTrash({ ownerId: owner, limit, now: this.clock.now().toISOString(), ...(after === undefined ? {} : { after }) });
    const last = page.items.at(-1);
    return { images: page.items, nextPageToken: page.more && last !== undefined ? this.tokens.issue(trashKey(last), fingerprint) : null };
  }
}
