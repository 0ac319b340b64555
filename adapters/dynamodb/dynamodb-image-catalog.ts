import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { DomainError, notFound } from '../../core/errors.ts';
import { isDeleted } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome } from '../../core/ports/image-catalog.port.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import { INDEX, PROCESSING_PARTITION, fromImageItem, idOfImageKey, imageKey, ownerTagPartition, tagLinkItems, tagLinkKeys, tagPartition, timePartition, toImageItem, userPartition } from './image-item.ts';
import { mergeNewestFirst, queryStream, take } from './merged-streams.ts';
import type { SortKeyRange, StreamSource } from './merged-streams.ts';

export interface DynamoDbCatalogOptions {
  /**
   * Partitions of the by-time index. Raising it later is safe (old images keep their lower
   * shard); lowering it would hide every image in a dropped shard.
   */
  timeShards: number;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Which item of a cancelled transaction failed its condition (DynamoDB lists a reason per item, in order). */
function cancelledByCondition(error: unknown, index: number): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  // Some engines name no reasons; only the first item carries a condition here.
  return reasons === undefined ? index === 0 : reasons[index]?.Code === 'ConditionalCheckFailed';
}

/** Attempts at a change that keeps meeting a concurrent change of the same image. */
const ATTEMPTS = 3;

/**
 * The catalog on one DynamoDB table (docs: shared/design/data-model.md). An image with tags is
 * written with its tag links in one transaction, and the links carry the image's attributes,
 * so every listing is one newest-first merge of Query streams that reads about one item per
 * image returned. No Scan, and no stream state: each stream resumes below the page position.
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
    const put = { TableName: this.tableName, Item: toImageItem(image, this.options.timeShards), ConditionExpression: 'attribute_not_exists(PK)' };
    const links = tagLinkItems(image);
    try {
      if (links.length === 0) await this.doc.send(new PutCommand(put));
      else await this.transact([{ Put: put }, ...links.map((Item) => ({ Put: { TableName: this.tableName, Item } }))]);
    } catch (error) {
      if (isConditionalCheckFailed(error) || cancelledByCondition(error, 0)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
      throw catalogUnavailable(error);
    }
  }

  async get(id: string): Promise<Image | undefined> {
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: imageKey(id), ConsistentRead: true })));
    return item === undefined ? undefined : fromImageItem(item);
  }

  /**
   * Reads the image for its tags, then deletes it and its links in one transaction on condition
   * that nothing changed meanwhile (`updatedAt` moves on every write): exactly one of concurrent
   * deletes wins, and no link of a deleted image survives to list it.
   */
  async markDeleted(id: string, ownerId: string, deletedAt: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const image = await this.get(id);
      if (image === undefined) throw notFound(`Image ${id} was not found.`);
      if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
      if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
      const update = {
        TableName: this.tableName,
        Key: imageKey(id),
        ConditionExpression: 'ownerId = :caller AND updatedAt = :seen AND attribute_not_exists(deletedAt)',
        UpdateExpression: `SET deletedAt = :at, updatedAt = :at REMOVE ${[INDEX.byUser, INDEX.byTime, INDEX.work].flatMap((index) => [index.partitionKey, index.sortKey]).join(', ')}`,
        ExpressionAttributeValues: { ':caller': ownerId, ':seen': image.updatedAt, ':at': deletedAt },
      };
      const links = tagLinkKeys(image);
      try {
        if (links.length === 0) await this.doc.send(new UpdateCommand(update));
        else await this.transact([{ Update: update }, ...links.map((Key) => ({ Delete: { TableName: this.tableName, Key } }))]);
        return;
      } catch (error) {
        const changed = isConditionalCheckFailed(error) || cancelledByCondition(error, 0);
        if (!changed) throw catalogUnavailable(error);
        // Deleted or changed by someone else meanwhile: the next read says which.
        if (attempt === ATTEMPTS) throw new DomainError('conflict', 'conflict', `Image ${id} keeps changing; try again.`);
      }
    }
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    // One match beyond the page tells whether there is more.
    const wanted = query.limit + 1;
    const found = query.tags?.length === 0 ? [] : await take(this.matches(query, wanted), wanted);
    return { items: found.slice(0, query.limit), more: found.length > query.limit };
  }

  /**
   * Sets the outcome on the image and on its tag links (which carry its attributes) in one
   * transaction, on condition that the image is live, still processing and unchanged since read.
   */
  async recordProcessed(id: string, outcome: ProcessingOutcome, at: string): Promise<boolean> {
    const fields: Record<string, unknown> =
      outcome.status === 'ready' ? { status: 'ready', variants: outcome.variants, placeholder: outcome.placeholder, updatedAt: at } : { status: 'failed', statusReason: outcome.reason, updatedAt: at };
    const names = Object.fromEntries(Object.keys(fields).map((name) => [`#${name}`, name]));
    const values = Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value]));
    const set = `SET ${Object.keys(fields).map((name) => `#${name} = :${name}`).join(', ')}`;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const image = await this.get(id);
      if (image === undefined || isDeleted(image) || image.status !== 'processing') return false;
      const update = {
        TableName: this.tableName,
        Key: imageKey(id),
        ConditionExpression: 'attribute_not_exists(deletedAt) AND #status = :processing AND #updatedAt = :seen',
        UpdateExpression: `${set} REMOVE ${INDEX.work.partitionKey}, ${INDEX.work.sortKey}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':processing': 'processing', ':seen': image.updatedAt },
      };
      const links = tagLinkKeys(image).map((Key) => ({
        Update: { TableName: this.tableName, Key, ConditionExpression: 'attribute_exists(PK)', UpdateExpression: set, ExpressionAttributeNames: names, ExpressionAttributeValues: values },
      }));
      try {
        if (links.length === 0) await this.doc.send(new UpdateCommand(update));
        else await this.transact([{ Update: update }, ...links]);
        return true;
      } catch (error) {
        const changed = isConditionalCheckFailed(error) || (error instanceof Error && error.name === 'TransactionCanceledException' && /ConditionalCheckFailed/.test(JSON.stringify((error as { CancellationReasons?: unknown }).CancellationReasons ?? '')));
        if (!changed) throw catalogUnavailable(error);
      }
    }
    throw catalogUnavailable(new Error(`image ${id} kept changing while its processing was recorded`));
  }

  /** Sparse index GSI3 holds exactly the live images still processing (eventually consistent: callers read each again). */
  async listProcessing(limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const { Items: items } = await orUnavailable(
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX.work.name,
          KeyConditionExpression: '#pk = :processing',
          ExpressionAttributeNames: { '#pk': INDEX.work.partitionKey },
          ExpressionAttributeValues: { ':processing': PROCESSING_PARTITION },
          ScanIndexForward: true,
          Limit: limit,
        }),
      ),
    );
    // The index projects keys only: the id is all a sweep needs.
    return (items ?? []).map((item) => idOfImageKey(String(item.PK)));
  }

  // A read of a key no image has: it needs only the permission the service uses anyway,
  // where DescribeTable would need one more.
  async ping(): Promise<void> {
    await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: { PK: 'PING', SK: 'PING' } })));
  }

  private async transact(items: TransactItem[]): Promise<void> {
    await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /**
   * The images matching the query, newest first. Each stream is one partition: the user's, a
   * tag's (or a user's tag's), or a time shard; several are merged, each read a fair share at
   * first and a little more only when it may hold the next image.
   */
  private async *matches(query: CatalogQuery, wanted: number): AsyncGenerator<Image> {
    const range: SortKeyRange = { from: query.from, below: earlier(query.to, query.after) };
    const partitions: Omit<StreamSource, 'tableName' | 'range' | 'expected' | 'refill'>[] =
      query.tags !== undefined
        ? query.tags.map((tag) =>
            query.userId === undefined
              ? { partitionKey: { name: 'PK', value: tagPartition(tag) }, sortKeyName: 'SK', consistentRead: true }
              : { indexName: INDEX.byUser.name, partitionKey: { name: INDEX.byUser.partitionKey, value: ownerTagPartition(query.userId, tag) }, sortKeyName: INDEX.byUser.sortKey, consistentRead: false },
          )
        : query.userId !== undefined
          ? [{ indexName: INDEX.byUser.name, partitionKey: { name: INDEX.byUser.partitionKey, value: userPartition(query.userId) }, sortKeyName: INDEX.byUser.sortKey, consistentRead: false }]
          : Array.from({ length: this.options.timeShards }, (_, shard) => ({
              indexName: INDEX.byTime.name,
              partitionKey: { name: INDEX.byTime.partitionKey, value: timePartition(shard) },
              sortKeyName: INDEX.byTime.sortKey,
              consistentRead: false,
            }));
    const share = Math.ceil(wanted / partitions.length);
    const streams = partitions.map((partition) =>
      queryStream(this.doc, {
        ...partition,
        tableName: this.tableName,
        range,
        // One stream reads what the page needs; each of several reads its share and one more.
        expected: partitions.length === 1 ? wanted : share + 1,
        refill: partitions.length === 1 ? wanted : Math.max(2, Math.ceil(share / 2)),
      }),
    );
    const merged = streams.length === 1 ? streams[0]! : mergeNewestFirst(streams, (item) => `${item.createdAt as string}#${item.id as string}`);
    for (let next = await merged.next(); !next.done; next = await merged.next()) yield fromImageItem(next.value);
  }
}

const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;
