import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError, notFound } from '../../core/errors.ts';
import { isDeleted } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import { getAll, writeAll } from './batch-requests.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import { INDEX, fromImageItem, imageKey, tagLinkItem, tagLinkKeys, tagPartition, timePartition, toImageItem, userPartition } from './image-item.ts';
import type { Item } from './image-item.ts';
import { mergeNewestFirst, queryStream, take } from './merged-streams.ts';
import type { SortKeyRange, StreamSource } from './merged-streams.ts';

export interface DynamoDbCatalogOptions {
  /**
   * Partitions of the by-time index. Raising it later is safe (old images keep their lower
   * shard); lowering it would hide every image in a dropped shard.
   */
  timeShards: number;
}

/**
 * The catalog on one DynamoDB table (docs: shared/design/data-model.md). Every listing is a
 * newest-first merge of Query streams resumed below the page position, so pages are exact
 * and need no per-stream state. No Scan, no transactions: the embedded engine has none.
 */
export class DynamoDbImageCatalog implements ImageCatalog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoDbCatalogOptions,
  ) {
    if (!Number.isInteger(options.timeShards) || options.timeShards < 1) throw new RangeError('timeShards must be a positive integer.');
  }

  async create(image: Image): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: toImageItem(image, this.options.timeShards), ConditionExpression: 'attribute_not_exists(PK)' }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
      throw catalogUnavailable(error);
    }
    const links = tagLinkKeys(image);
    try {
      await writeAll(this.doc, this.tableName, links.map((key) => ({ PutRequest: { Item: tagLinkItem(key, image) } })));
    } catch (error) {
      // Without its links the image would be missing from tag listings: take it all back.
      // Should this cleanup fail too, links left behind point at a missing image, which
      // tag listings skip.
      await writeAll(this.doc, this.tableName, [imageKey(image.id), ...links].map((key) => ({ DeleteRequest: { Key: key } }))).catch(() => {});
      throw catalogUnavailable(error);
    }
  }

  async get(id: string): Promise<Image | undefined> {
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: imageKey(id), ConsistentRead: true })));
    return item === undefined ? undefined : fromImageItem(item);
  }

  async markDeleted(id: string, ownerId: string, deletedAt: string): Promise<void> {
    let before: Image;
    try {
      const { Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(id),
          ConditionExpression: 'attribute_exists(PK) AND ownerId = :caller AND attribute_not_exists(deletedAt)',
          UpdateExpression: `SET deletedAt = :at, updatedAt = :at REMOVE ${INDEX.byUser.partitionKey}, ${INDEX.byUser.sortKey}, ${INDEX.byTime.partitionKey}, ${INDEX.byTime.sortKey}`,
          ExpressionAttributeValues: { ':caller': ownerId, ':at': deletedAt },
          // The old image still names its tag links; the new one, being deleted, names none.
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = fromImageItem(item!);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw await this.whyNotDeletable(id, ownerId);
      throw catalogUnavailable(error);
    }
    // The delete is done once the update lands; links left behind by a failure here are
    // harmless, as tag listings read each image and skip deleted ones.
    await writeAll(this.doc, this.tableName, tagLinkKeys(before).map((key) => ({ DeleteRequest: { Key: key } }))).catch(() => {});
  }

  /** Same precedence as the in-memory catalog: unknown, then another owner's, then already deleted. */
  private async whyNotDeletable(id: string, ownerId: string): Promise<DomainError> {
    const image = await this.get(id);
    if (image === undefined) return notFound(`Image ${id} was not found.`);
    if (image.ownerId !== ownerId) return new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
    return new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    // One match beyond the page tells whether there is more.
    const wanted = query.limit + 1;
    const found = query.tags?.length === 0 ? [] : await take(this.matches(query, wanted), wanted);
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  // A read of a key no image has: it needs only the permission the service uses anyway,
  // where DescribeTable would need one more.
  async ping(): Promise<void> {
    await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: { PK: 'PING', SK: 'PING' } })));
  }

  private matches(query: CatalogQuery, wanted: number): AsyncGenerator<Image> {
    const range: SortKeyRange = { from: query.from, below: earlier(query.to, query.after) };
    const stream = { tableName: this.tableName, range, expected: wanted };
    if (query.userId !== undefined) {
      return images(
        queryStream(this.doc, {
          ...stream,
          indexName: INDEX.byUser.name,
          partitionKey: { name: INDEX.byUser.partitionKey, value: userPartition(query.userId) },
          sortKeyName: INDEX.byUser.sortKey,
          consistentRead: false,
          ...(query.tags === undefined ? {} : { filter: anyTagFilter(query.tags) }),
        }),
      );
    }
    if (query.tags !== undefined) {
      const links = query.tags.map((tag) =>
        queryStream(this.doc, { ...stream, partitionKey: { name: 'PK', value: tagPartition(tag) }, sortKeyName: 'SK', consistentRead: true }),
      );
      return this.liveImagesOf(mergeNewestFirst(links, (link) => link.SK as string), wanted);
    }
    const shards = Array.from({ length: this.options.timeShards }, (_, shard): StreamSource => ({
      ...stream,
      indexName: INDEX.byTime.name,
      partitionKey: { name: INDEX.byTime.partitionKey, value: timePartition(shard) },
      sortKeyName: INDEX.byTime.sortKey,
      consistentRead: false,
    }));
    return images(mergeNewestFirst(shards.map((source) => queryStream(this.doc, source)), (item) => item[INDEX.byTime.sortKey] as string));
  }

  /** The images tag links point at, in link order, skipping deleted and missing ones. */
  private async *liveImagesOf(links: AsyncIterator<Item>, wanted: number): AsyncGenerator<Image> {
    let yielded = 0;
    for (;;) {
      const size = Math.max(wanted - yielded, 1);
      const batch = await take(links, size);
      const found = await getAll(this.doc, this.tableName, batch.map((link) => imageKey(link.imageId as string)));
      const byId = new Map(found.map((item) => [item.id as string, fromImageItem(item)]));
      for (const link of batch) {
        const image = byId.get(link.imageId as string);
        if (image !== undefined && !isDeleted(image)) {
          yielded += 1;
          yield image;
        }
      }
      if (batch.length < size) return;
    }
  }
}

const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;

async function* images(items: AsyncIterator<Item>): AsyncGenerator<Image> {
  for (let next = await items.next(); !next.done; next = await items.next()) yield fromImageItem(next.value);
}

function anyTagFilter(tags: readonly string[]): NonNullable<StreamSource['filter']> {
  const values = Object.fromEntries(tags.map((tag, i) => [`:tag${i}`, tag]));
  return { expression: Object.keys(values).map((name) => `contains(#tags, ${name})`).join(' OR '), names: { '#tags': 'tags' }, values };
}
