import { DomainError, notFound } from '../../core/errors.ts';
import { isDeleted, sortKey } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome } from '../../core/ports/image-catalog.port.ts';

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

  async markDeleted(id: string, ownerId: string, deletedAt: string): Promise<void> {
    const image = this.images.get(id);
    if (image === undefined) throw notFound(`Image ${id} was not found.`);
    if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
    if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
    image.deletedAt = deletedAt;
    image.updatedAt = deletedAt;
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    const matches = [...this.images.values()]
      .filter((image) => !isDeleted(image) && matchesQuery(image, query))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
    return { items: matches.slice(0, query.limit).map((image) => structuredClone(image)), more: matches.length > query.limit };
  }

  async recordProcessed(id: string, outcome: ProcessingOutcome, at: string): Promise<boolean> {
    const image = this.images.get(id);
    if (image === undefined || isDeleted(image) || image.status !== 'processing') return false;
    image.status = outcome.status;
    image.updatedAt = at;
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
    (query.from === undefined || image.createdAt >= query.from) &&
    (query.to === undefined || image.createdAt < query.to) &&
    (query.after === undefined || sortKey(image) < query.after)
  );
}
