import { DomainError, notFound } from '../../core/errors.ts';
import { erasing, isDeleted, isErased, sortKey, trashKey, withoutTrash } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome, PurgeRight, TrashQuery } from '../../core/ports/image-catalog.port.ts';

/** The catalog in process memory, with exactly the listing semantics of the DynamoDB one. */
export class MemoryImageCatalog implements ImageCatalog {
  private readonly images = new Map<string, Image>();

  async create(image: Image): Promise<void> {
    if (this.images.has(image.id)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
    this.images.set(image.id, structuredClone(image));
  }

  async get(id: string): Promise<Image | undefined> {
    const image = this.images.get(id);
    return image === undefined ? undefined : structuredClone(image);
  }

  async saveEdit(before: Image, after: Image): Promise<boolean> {
    const image = this.images.get(before.id);
    if (image === undefined || isDeleted(image) || image.updatedAt !== before.updatedAt) return false;
    Object.assign(image, { title: after.title, description: after.description, tags: [...after.tags], updatedAt: after.updatedAt });
    return true;
  }

  async markDeleted(id: string, ownerId: string, deletedAt: string, purgeAt: string): Promise<void> {
    const image = this.images.get(id);
    if (image === undefined) throw notFound(`Image ${id} was not found.`);
    if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
    if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
    Object.assign(image, { deletedAt, purgeAt, updatedAt: deletedAt });
  }

  async restore(id: string, ownerId: string, at: string): Promise<Image> {
    const image = this.images.get(id);
    if (image === undefined || isErased(image, at)) throw notFound(`Image ${id} was not found.`);
    if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can restore this image.');
    if (!isDeleted(image)) throw new DomainError('conflict', 'not_deleted', `Image ${id} is not in the trash.`);
    const restored: Image = { ...withoutTrash(image), updatedAt: at };
    this.images.set(id, restored);
    return structuredClone(restored);
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    const matches = [...this.images.values()]
      .filter((image) => !isDeleted(image) && matchesQuery(image, query))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
    return { items: matches.slice(0, query.limit).map((image) => structuredClone(image)), more: matches.length > query.limit };
  }

  async listTrash(query: TrashQuery): Promise<CatalogPage> {
    const matches = [...this.images.values()]
      .filter((image) => image.ownerId === query.ownerId && isDeleted(image) && !isErased(image, query.now) && (query.after === undefined || trashKey(image) < query.after))
      .sort((a, b) => (trashKey(a) < trashKey(b) ? 1 : -1));
    return { items: matches.slice(0, query.limit).map((image) => structuredClone(image)), more: matches.length > query.limit };
  }

  async beginPurge(id: string, right: PurgeRight, at: string): Promise<Image | undefined> {
    const image = this.images.get(id);
    if (image === undefined) return undefined;
    if ('expiredBy' in right) return isErased(image, right.expiredBy) ? structuredClone(image) : undefined;
    if (image.ownerId !== right.ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can erase this image.');
    const hidden = erasing(image, at);
    this.images.set(id, hidden);
    return structuredClone(hidden);
  }

  async erase(id: string): Promise<void> {
    this.images.delete(id);
  }

  async listPurgeable(at: string, limit: number): Promise<string[]> {
    return [...this.images.values()]
      .filter((image) => isErased(image, at))
      .sort((a, b) => (a.purgeAt! < b.purgeAt! ? -1 : 1))
      .slice(0, Math.max(limit, 0))
      .map((image) => image.id);
  }

  async recordProcessed(id: string, outcome: ProcessingOutcome): Promise<boolean> {
    const image = this.images.get(id);
    if (image === undefined || isDeleted(image) || image.status !== 'processing') return false;
    image.status = outcome.status;
    if (outcome.status === 'ready') {
      image.variants = structuredClone(outcome.variants);
      image.placeholder = outcome.placeholder;
    } else {
      image.statusReason = outcome.reason;
    }
    return true;
  }

  async listProcessing(limit: number): Promise<string[]> {
    return [...this.images.values()]
      .filter((image) => !isDeleted(image) && image.status === 'processing')
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
      .slice(0, Math.max(limit, 0))
      .map((image) => image.id);
  }

  async ping(): Promise<void> {}
}

function matchesQuery(image: Image, query: CatalogQuery): boolean {
  return (
    (query.userId === undefined || image.ownerId === query.userId) &&
    (query.tags === undefined || query.tags.some((tag) => image.tags.includes(tag))) &&
    (query.checksum === undefined || image.checksum === query.checksum) &&
    (query.from === undefined || image.createdAt >= query.from) &&
    (query.to === undefined || image.createdAt < query.to) &&
    (query.after === undefined || sortKey(image) < query.after)
  );
}
