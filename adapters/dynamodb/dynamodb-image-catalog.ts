import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { DomainError, notFound } from '../../core/errors.ts';
import { erasing, erasureBegun, isDeleted, isErased, sortKey, withoutTrash } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome, PurgeRight, TrashQuery } from '../../core/ports/image-catalog.port.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import {
  INDEX,
  checksumPartition,
  fromImageItem,
  idOfImageKey,
  imageKey,
  ownerTagPartition,
  processingPartition,
  purgePartition,
  tagLinkItems,
  tagPartition,
  timePartition,
  toImageItem,
  trashPartition,
  userPartition,
} from './image-item.ts';
import type { Item } from './image-item.ts';
import { mergeOrdered, queryStream, take } from './merged-streams.ts';
import type { Order, SortKeyRange, StreamSource } from './merged-streams.ts';

export interface DynamoDbCatalogOptions {
  /**
   * Partitions of the by-time index (and of the work queues). Raising it later is safe (old
   * images keep their lower shard); lowering it would hide every image in a dropped shard.
   */
  timeShards: number;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Partition = Omit<StreamSource, 'tableName' | 'range' | 'expected' | 'refill' | 'order'>;

/** Attempts at a change that keeps meeting a concurrent change of the same image. */
const ATTEMPTS = 5;

/** A change refused by its own rules (not a race): thrown out of `change` as it is. */
type Decision = Image | { keep: true };
const KEEP = { keep: true } as const;

/** Whether a write failed only because its condition did not hold (the item changed meanwhile). */
function lostRace(error: unknown): boolean {
  if (isConditionalCheckFailed(error)) return true;
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons === undefined || reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}

/**
 * The catalog on one DynamoDB table (docs: shared/design/data-model.md). An image with tags is
 * written with its tag links in one transaction, and the links carry the image's attributes,
 * so every listing is one newest-first merge of Query streams that reads about one item per
 * image returned. No Scan, and no stream state: each stream resumes below the page position.
 * Every change reads the item, decides, and writes on condition that the item's revision is
 * still the one read, so concurrent changes (an edit, a delete, a processor) never undo each other.
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
    const put = { TableName: this.tableName, Item: toImageItem(image, this.options.timeShards, 1), ConditionExpression: 'attribute_not_exists(PK)' };
    const links = tagLinkItems(image);
    try {
      if (links.length === 0) await this.doc.send(new PutCommand(put));
      else await this.transact([{ Put: put }, ...links.map((Item) => ({ Put: { TableName: this.tableName, Item } }))]);
    } catch (error) {
      if (lostRace(error)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
      throw catalogUnavailable(error);
    }
  }

  async get(id: string): Promise<Image | undefined> {
    const item = await this.read(id);
    return item === undefined ? undefined : fromImageItem(item);
  }

  async saveEdit(before: Image, after: Image): Promise<boolean> {
    const saved = await this.change(before.id, (current) =>
      isDeleted(current) || current.updatedAt !== before.updatedAt ? KEEP : { ...current, title: after.title, description: after.description, tags: after.tags, updatedAt: after.updatedAt },
    );
    return saved !== undefined;
  }

  async markDeleted(id: string, ownerId: string, deletedAt: string, purgeAt: string): Promise<void> {
    const deleted = await this.change(id, (image) => {
      if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
      if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
      return { ...image, deletedAt, purgeAt, updatedAt: deletedAt };
    });
    if (deleted === undefined) throw notFound(`Image ${id} was not found.`);
  }

  async restore(id: string, ownerId: string, at: string): Promise<Image> {
    const restored = await this.change(id, (image) => {
      if (isErased(image, at)) throw notFound(`Image ${id} was not found.`);
      if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can restore this image.');
      if (!isDeleted(image)) throw new DomainError('conflict', 'not_deleted', `Image ${id} is not in the trash.`);
      return { ...withoutTrash(image), updatedAt: at };
    });
    if (restored === undefined) throw notFound(`Image ${id} was not found.`);
    return restored;
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    // One match beyond the page tells whether there is more.
    const wanted = query.limit + 1;
    const found = query.tags?.length === 0 ? [] : await take(this.matches(query, wanted), wanted);
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  async listTrash(query: TrashQuery): Promise<CatalogPage> {
    const wanted = query.limit + 1;
    const stream = queryStream(this.doc, {
      tableName: this.tableName,
      indexName: INDEX.byUser.name,
      partitionKey: { name: INDEX.byUser.partitionKey, value: trashPartition(query.ownerId) },
      sortKeyName: INDEX.byUser.sortKey,
      range: { below: query.after },
      expected: wanted,
      refill: wanted,
      consistentRead: false,
    });
    // Past its purge time an image is as good as erased; only an unfinished sweep leaves one here.
    const found = await take(live(stream, (image) => !isErased(image, query.now)), wanted);
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  async beginPurge(id: string, right: PurgeRight, at: string): Promise<Image | undefined> {
    if ('expiredBy' in right) {
      const image = await this.get(id);
      return image !== undefined && isErased(image, right.expiredBy) ? image : undefined;
    }
    let hidden: Image | undefined;
    await this.change(id, (image) => {
      if (image.ownerId !== right.ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can erase this image.');
      // Already being erased: marked once, so a second erasure writes nothing.
      hidden = erasureBegun(image) ? image : erasing(image, at);
      return hidden === image ? KEEP : hidden;
    });
    return hidden;
  }

  async erase(id: string): Promise<void> {
    // Hidden by beginPurge first, so it has no tag links, unless a restore that read the image before
    // the erase began wrote after it: then its links go with it, in one write on the revision read.
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const item = await this.read(id);
      if (item === undefined) return;
      const remove = { TableName: this.tableName, Key: imageKey(id), ...unchangedSince(item) };
      const links = tagLinkItems(fromImageItem(item)).map((link) => ({ Delete: { TableName: this.tableName, Key: { PK: link.PK as string, SK: link.SK as string } } }));
      try {
        if (links.length === 0) await this.doc.send(new DeleteCommand(remove));
        else await this.transact([{ Delete: remove }, ...links]);
        return;
      } catch (error) {
        if (!lostRace(error)) throw catalogUnavailable(error);
      }
    }
    throw new DomainError('conflict', 'conflict', `Image ${id} keeps changing; try again.`);
  }

  async listPurgeable(at: string, limit: number): Promise<string[]> {
    // `{purgeAt}#{id}`: every key of a purge time up to `at`.
    return this.workIds(purgePartition, { below: `${at}#\u{10FFFF}` }, limit);
  }

  async recordProcessed(id: string, outcome: ProcessingOutcome): Promise<boolean> {
    const recorded = await this.change(id, (image) => {
      if (isDeleted(image) || image.status !== 'processing') return KEEP;
      return outcome.status === 'ready'
        ? { ...image, status: 'ready', variants: outcome.variants, placeholder: outcome.placeholder }
        : { ...image, status: 'failed', statusReason: outcome.reason };
    });
    return recorded !== undefined;
  }

  /** The live images still processing, from the sparse work index (eventually consistent: callers read each again). */
  async listProcessing(limit: number): Promise<string[]> {
    return this.workIds(processingPartition, {}, limit);
  }

  /**
   * Ids from one work queue of GSI3 (keys only), oldest first across its shards, at most `limit`:
   * a backlog longer than `limit` is worked from its old end, so nothing waits behind newer work.
   * Each shard reads its share and one more, and more only when it may hold the next oldest.
   */
  private async workIds(partition: (shard: number) => string, range: SortKeyRange, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const partitions: Partition[] = this.shards().map((shard) => ({
      indexName: INDEX.work.name,
      partitionKey: { name: INDEX.work.partitionKey, value: partition(shard) },
      sortKeyName: INDEX.work.sortKey,
      consistentRead: false,
    }));
    const merged = this.merged(partitions, range, limit, (item) => String(item[INDEX.work.sortKey]), 'oldest');
    return (await take(merged, limit)).map((item) => idOfImageKey(String(item.PK)));
  }

  // A read of a key no image has: it needs only the permission the service uses anyway,
  // where DescribeTable would need one more.
  async ping(): Promise<void> {
    await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: { PK: 'PING', SK: 'PING' } })));
  }

  private async read(id: string): Promise<Item | undefined> {
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: imageKey(id), ConsistentRead: true })));
    return item;
  }

  /**
   * Reads the image, lets `decide` say what it becomes (or that it stays, or throw a refusal),
   * and writes that with its tag links in one transaction, on condition that the item is still
   * the revision read; a lost race reads again.
   * @returns the image as written, or undefined when there is no such image or `decide` kept it.
   */
  private async change(id: string, decide: (image: Image) => Decision): Promise<Image | undefined> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const item = await this.read(id);
      if (item === undefined) return undefined;
      const before = fromImageItem(item);
      const after = decide(before);
      if ('keep' in after) return undefined;
      const rev = typeof item.rev === 'number' ? item.rev : 0;
      const put: TransactItem = { Put: { TableName: this.tableName, Item: toImageItem(after, this.options.timeShards, rev + 1), ...unchangedSince(item) } };
      const kept = new Set(tagLinkItems(after).map((link) => link.PK as string));
      // A link both before and after is overwritten, not deleted: one transaction may touch an item once.
      const removed = tagLinkItems(before).filter((link) => !kept.has(link.PK as string));
      const writes: TransactItem[] = [
        put,
        ...removed.map((link) => ({ Delete: { TableName: this.tableName, Key: { PK: link.PK as string, SK: link.SK as string } } })),
        ...tagLinkItems(after).map((Item) => ({ Put: { TableName: this.tableName, Item } })),
      ];
      try {
        if (writes.length === 1) await this.doc.send(new PutCommand(put.Put!));
        else await this.transact(writes);
        return after;
      } catch (error) {
        if (!lostRace(error)) throw catalogUnavailable(error);
      }
    }
    throw new DomainError('conflict', 'conflict', `Image ${id} keeps changing; try again.`);
  }

  private async transact(items: TransactItem[]): Promise<void> {
    await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
  }

  private shards(): number[] {
    return Array.from({ length: this.options.timeShards }, (_, shard) => shard);
  }

  /**
   * The images matching the query, newest first. Each stream is one partition: the user's, a
   * tag's (or a user's tag's), a checksum's, or a time shard; several are merged, each read a
   * fair share at first and a little more only when it may hold the next image.
   */
  private async *matches(query: CatalogQuery, wanted: number): AsyncGenerator<Image> {
    const range: SortKeyRange = { from: query.from, below: earlier(query.to, query.after) };
    const partitions: Partition[] =
      query.checksum !== undefined && query.userId !== undefined
        ? [{ indexName: INDEX.byChecksum.name, partitionKey: { name: INDEX.byChecksum.partitionKey, value: checksumPartition(query.userId, query.checksum) }, sortKeyName: INDEX.byChecksum.sortKey, consistentRead: false }]
        : query.tags !== undefined
          ? query.tags.map((tag) =>
              query.userId === undefined
                ? { partitionKey: { name: 'PK', value: tagPartition(tag) }, sortKeyName: 'SK', consistentRead: true }
                : { indexName: INDEX.byUser.name, partitionKey: { name: INDEX.byUser.partitionKey, value: ownerTagPartition(query.userId, tag) }, sortKeyName: INDEX.byUser.sortKey, consistentRead: false },
            )
          : query.userId !== undefined
            ? [{ indexName: INDEX.byUser.name, partitionKey: { name: INDEX.byUser.partitionKey, value: userPartition(query.userId) }, sortKeyName: INDEX.byUser.sortKey, consistentRead: false }]
            : this.shards().map((shard) => ({
                indexName: INDEX.byTime.name,
                partitionKey: { name: INDEX.byTime.partitionKey, value: timePartition(shard) },
                sortKeyName: INDEX.byTime.sortKey,
                consistentRead: false,
              }));
    const merged = this.merged(partitions, range, wanted, (item) => sortKey(item as unknown as Image), 'newest');
    for (let next = await merged.next(); !next.done; next = await merged.next()) yield fromImageItem(next.value);
  }

  /**
   * The partitions' items within `range` as one stream, by `key` in `order`. One partition reads
   * what is wanted; each of several reads its share and one more at first, and a little more only
   * when it may hold the next item.
   */
  private merged(partitions: Partition[], range: SortKeyRange, wanted: number, key: (item: Item) => string, order: Order): AsyncIterator<Item> {
    const share = Math.ceil(wanted / partitions.length);
    const streams = partitions.map((partition) =>
      queryStream(this.doc, {
        ...partition,
        tableName: this.tableName,
        range,
        expected: partitions.length === 1 ? wanted : share + 1,
        refill: partitions.length === 1 ? wanted : Math.max(2, Math.ceil(share / 2)),
        order,
      }),
    );
    return streams.length === 1 ? streams[0]! : mergeOrdered(streams, key, order);
  }
}

/** The condition that an image item is still the revision read; items written before revisions existed are matched on what could have changed them. */
function unchangedSince(item: Item): { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> } {
  if (typeof item.rev === 'number') return { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': item.rev } };
  return {
    ConditionExpression: 'attribute_not_exists(rev) AND updatedAt = :updatedAt AND #status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':updatedAt': item.updatedAt, ':status': item.status },
  };
}

async function* live(items: AsyncIterator<Item>, keep: (image: Image) => boolean): AsyncGenerator<Image> {
  for (let next = await items.next(); !next.done; next = await items.next()) {
    const image = fromImageItem(next.value);
    if (keep(image)) yield image;
  }
}

const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;
