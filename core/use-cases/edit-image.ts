import { DomainError, notFound } from '../errors.ts';
import { etagOf, isDeleted, nextUpdateTime } from '../image.ts';
import type { Image } from '../image.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import { isImageId, normaliseTags, parseDescription, parseTitle, parseUserId } from '../rules.ts';

/** A JSON merge patch of the editable fields: absent leaves a field as it is, null clears it. */
export interface ImagePatch {
  title?: string | null;
  description?: string | null;
  tags?: readonly string[] | null;
}

/** `*` (any current version) or the entity tags the client holds (see `etagOf`). */
export type Precondition = '*' | readonly string[];

// Without If-Match, an edit that loses a race to another is applied again on the newer version.
const ATTEMPTS = 5;

export class EditImage {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock,
  ) {}

  /**
   * Applies the patch under the upload rules; tag listings follow before this resolves.
   * @throws DomainError `validation` (a field breaks its rule; nothing changes), `not_found`
   * (unknown or deleted), `forbidden` (not the owner), `precondition_failed` (If-Match is stale),
   * `conflict` (edits kept racing), `unavailable`
   */
  async execute(id: string, callerId: string, patch: ImagePatch, ifMatch?: Precondition): Promise<Image> {
    const caller = parseUserId(callerId, 'caller');
    const changes = parsePatch(patch);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const before = isImageId(id) ? await this.catalog.get(id) : undefined;
      if (before === undefined || isDeleted(before)) throw notFound(`Image ${id} was not found.`);
      if (before.ownerId !== caller) throw new DomainError('forbidden', 'forbidden', 'Only the owner can edit this image.');
      if (ifMatch !== undefined && ifMatch !== '*' && !ifMatch.includes(etagOf(before))) {
        throw new DomainError('precondition_failed', 'precondition_failed', 'The image has changed since that version (If-Match): fetch it again, then retry.', {
          details: { etag: etagOf(before) },
        });
      }
      const after: Image = { ...before, ...changes, updatedAt: nextUpdateTime(before.updatedAt, this.clock.now()) };
      if (await this.catalog.saveEdit(before, after)) return after;
    }
    throw new DomainError('conflict', 'conflict', 'The image kept changing while this edit was applied; retry.');
  }
}

function parsePatch(patch: ImagePatch): Partial<Pick<Image, 'title' | 'description' | 'tags'>> {
  const changes: Partial<Pick<Image, 'title' | 'description' | 'tags'>> = {};
  if (patch.title !== undefined) changes.title = patch.title === null ? null : parseTitle(patch.title);
  if (patch.description !== undefined) changes.description = patch.description === null ? null : parseDescription(patch.description);
  if (patch.tags !== undefined) changes.tags = patch.tags === null ? [] : normaliseTags(patch.tags);
  return changes;
}
