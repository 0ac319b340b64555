import { DomainError } from '../../core/errors.ts';
import type { PendingUpload, PendingUploads } from '../../core/ports/pending-uploads.port.ts';

// The DynamoDB adapter's index sort key, so both order ties the same way.
const expiryOrder = (upload: PendingUpload): string => `${upload.expiresAt}#${upload.id}`;

/** Pending uploads in process memory, with exactly the semantics of the DynamoDB adapter. */
export class MemoryPendingUploads implements PendingUploads {
  private readonly uploads = new Map<string, PendingUpload>();

  async create(upload: PendingUpload): Promise<void> {
    if (this.uploads.has(upload.id)) throw new DomainError('conflict', 'conflict', `Upload ${upload.id} already exists.`);
    this.uploads.set(upload.id, structuredClone(upload));
  }

  async get(id: string): Promise<PendingUpload | undefined> {
    const upload = this.uploads.get(id);
    return upload === undefined ? undefined : structuredClone(upload);
  }

  async delete(id: string): Promise<void> {
    this.uploads.delete(id);
  }

  async listExpired(now: string, limit: number): Promise<PendingUpload[]> {
    return [...this.uploads.values()]
      .filter((upload) => upload.expiresAt < now)
      .sort((a, b) => (expiryOrder(a) < expiryOrder(b) ? -1 : 1))
      .slice(0, Math.max(limit, 0))
      .map((upload) => structuredClone(upload));
  }
}
