import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { isDeleted, sortKey, trashKey, withoutTrash } from '../../core/image.ts';
import type { Image, ImageFormat, ImageStatus, Variant, VariantName } from '../../core/image.ts';

export type Item = Record<string, NativeAttributeValue>;
export type Key = { PK: string; SK: string };

export const INDEX = {
  /** An owner's live images (`USER#`), an owner's images with a tag (`UTAG#`, on tag links), an owner's trash (`TRASH#`). */
  byUser: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  byTime: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  /** Sparse, keys only: work waiting, either variants to make (`PROCESSING#`) or files to erase (`PURGE#`, by purge time). */
  work: { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
  /** An owner's live images by checksum, so a client can skip re-uploading what is there. */
  byChecksum: { name: 'GSI4', partitionKey: 'GSI4PK', sortKey: 'GSI4SK' },
} as const;

export const imageKey = (id: string): Key => ({ PK: `IMAGE#${id}`, SK: 'IMAGE' });
export const idOfImageKey = (pk: string): string => pk.slice('IMAGE#'.length);
export const userPartition = (ownerId: string): string => `USER#${ownerId}`;
export const trashPartition = (ownerId: string): string => `TRASH#${ownerId}`;
export const timePartition = (shard: number): string => `TIME#${shard}`;
// The work partitions are sharded like the time index: every upload passes through one.
export const processingPartition = (shard: number): string => `PROCESSING#${shard}`;
export const purgePartition = (shard: number): string => `PURGE#${shard}`;
export const tagPartition = (tag: string): string => `TAG#${tag}`;
/** One owner's images with one tag, on GSI1 (no `#` is possible in user ids or tags). */
export const ownerTagPartition = (ownerId: string, tag: string): string => `UTAG#${ownerId}#${tag}`;
export const checksumPartition = (ownerId: string, checksum: string): string => `SUM#${ownerId}#${checksum}`;

/**
 * FNV-1a (32 bit) over the id's UTF-8 bytes: stable across processes and releases, unlike
 * anything seeded. Uploads spread over the shards because ids are random.
 */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(id, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0) % shards;
}

/**
 * The image's own fields as attributes, plus its keys, all derived from its state: a live image
 * is in the user, time and checksum indexes (and the processing queue while processing), a
 * deleted one only in its owner's trash and the purge queue. `rev` counts the item's writes, so
 * every change can be made on condition that nothing else changed it since it was read.
 */
export function toImageItem(image: Image, shards: number, rev: number): Item {
  const shard = shardOf(image.id, shards);
  const indexKeys = isDeleted(image)
    ? {
        GSI1PK: trashPartition(image.ownerId),
        GSI1SK: trashKey(image),
        ...(image.purgeAt === undefined ? {} : { GSI3PK: purgePartition(shard), GSI3SK: `${image.purgeAt}#${image.id}` }),
      }
    : {
        GSI1PK: userPartition(image.ownerId),
        GSI1SK: sortKey(image),
        GSI2PK: timePartition(shard),
        GSI2SK: sortKey(image),
        ...(image.status === 'processing' ? { GSI3PK: processingPartition(shard), GSI3SK: sortKey(image) } : {}),
        GSI4PK: checksumPartition(image.ownerId, image.checksum),
        GSI4SK: sortKey(image),
      };
  return { ...imageKey(image.id), ...indexKeys, ...image, rev };
}

/** The Image back, field by field, so no storage attribute leaks out. */
export function fromImageItem(item: Item): Image {
  const image: Image = {
    id: item.id as string,
    ownerId: item.ownerId as string,
    title: item.title as string | null,
    description: item.description as string | null,
    tags: item.tags as string[],
    fileName: item.fileName as string,
    fileSize: item.fileSize as number,
    contentType: item.contentType as string,
    format: item.format as ImageFormat,
    width: item.width as number,
    height: item.height as number,
    storageKey: item.storageKey as string,
    checksum: item.checksum as string,
    status: item.status as ImageStatus,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
  if (item.statusReason !== undefined) image.statusReason = item.statusReason as string;
  if (item.variants !== undefined) image.variants = item.variants as Record<VariantName, Variant>;
  if (item.placeholder !== undefined) image.placeholder = item.placeholder as string;
  if (item.deletedAt !== undefined) image.deletedAt = item.deletedAt as string;
  if (item.purgeAt !== undefined) image.purgeAt = item.purgeAt as string;
  return image;
}

/** The keys of a live image's tag links, one per distinct tag. */
export const tagLinkKeys = (image: Image): Key[] =>
  isDeleted(image) ? [] : [...new Set(image.tags)].map((tag) => ({ PK: tagPartition(tag), SK: sortKey(image) }));

/**
 * A tag link carries the image's own attributes, so a listing by tag is one Query that reads
 * about one item per image it returns, with no second round trip to fetch the images. It is
 * written and removed in the same transaction as the image item, so it is never stale. Its
 * GSI1 keys list one owner's images with that tag; it has no GSI2 keys, so listing all never sees it.
 */
export const tagLinkItems = (image: Image): Item[] =>
  [...new Set(isDeleted(image) ? [] : image.tags)].map((tag) => ({
    PK: tagPartition(tag),
    SK: sortKey(image),
    GSI1PK: ownerTagPartition(image.ownerId, tag),
    GSI1SK: sortKey(image),
    // A link exists only for a live image, so it never carries the trash's fields.
    ...withoutTrash(image),
  }));
