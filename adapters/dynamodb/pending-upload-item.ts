import type { PendingUpload } from '../../core/ports/pending-uploads.port.ts';
import { INDEX } from './image-item.ts';
import type { Item, Key } from './image-item.ts';

/**
 * Pending uploads share the sparse GSI1 with images. Images there have a partition key
 * `USER#{owner}`, which can never equal `PENDING`, so neither kind ever shows up in a Query
 * for the other.
 */
export const EXPIRY_INDEX = INDEX.byUser;
export const PENDING_PARTITION = 'PENDING';

export const pendingUploadKey = (id: string): Key => ({ PK: `UPLOAD#${id}`, SK: 'UPLOAD' });

/**
 * `expiresAt` is the table's TTL attribute, which DynamoDB requires to be a number of epoch
 * seconds. Rounding up means DynamoDB never drops a record before it has expired to the
 * millisecond; the exact instant lives on in `expiresAtIso`.
 */
export function toPendingUploadItem(upload: PendingUpload): Item {
  return {
    ...pendingUploadKey(upload.id),
    [EXPIRY_INDEX.partitionKey]: PENDING_PARTITION,
    [EXPIRY_INDEX.sortKey]: `${upload.expiresAt}#${upload.id}`,
    ...upload,
    expiresAt: Math.ceil(Date.parse(upload.expiresAt) / 1000),
    expiresAtIso: upload.expiresAt,
  };
}

/** The PendingUpload back, field by field, so no storage attribute leaks out. */
export function fromPendingUploadItem(item: Item): PendingUpload {
  return {
    id: item.id as string,
    ownerId: item.ownerId as string,
    title: item.title as string | null,
    description: item.description as string | null,
    tags: item.tags as string[],
    fileName: item.fileName as string,
    key: item.key as string,
    createdAt: item.createdAt as string,
    expiresAt: item.expiresAtIso as string,
  };
}
