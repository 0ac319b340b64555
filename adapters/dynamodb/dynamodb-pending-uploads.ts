import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../core/errors.ts';
import type { PendingUpload, PendingUploads } from '../../core/ports/pending-uploads.port.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import type { Item } from './image-item.ts';
import { EXPIRY_INDEX, PENDING_PARTITION, fromPendingUploadItem, pendingUploadKey, toPendingUploadItem } from './pending-upload-item.ts';

/**
 * Pending uploads on the image table (docs: shared/design/data-model.md). DynamoDB's TTL
 * drops expired items on its own, but only some time later and not on every backend, so
 * expiry is read from the item and a sweep finds leftovers by a Query on GSI1, never a Scan.
 */
export class DynamoDbPendingUploads implements PendingUploads {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(upload: PendingUpload): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toPendingUploadItem(upload), ConditionExpression: 'attribute_not_exists(PK)' }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new DomainError('conflict', 'conflict', `Upload ${upload.id} already exists.`);
      throw catalogUnavailable(error);
    }
  }

  async get(id: string): Promise<PendingUpload | undefined> {
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: pendingUploadKey(id), ConsistentRead: true })));
    return item === undefined ? undefined : fromPendingUploadItem(item);
  }

  async delete(id: string): Promise<void> {
    await orUnavailable(this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: pendingUploadKey(id) })));
  }

  /**
   * The index sort key is `{expiresAt}#{id}`, so `< now` leaves out a record expiring exactly
   * at `now`. A global index cannot be read consistently: a record deleted a moment ago may
   * still come back, which the port allows.
   */
  async listExpired(now: string, limit: number): Promise<PendingUpload[]> {
    const found: Item[] = [];
    let startKey: Item | undefined;
    // A Query page also stops at 1 MB, whatever its Limit: a short page may have a sequel.
    for (let more = true; more && found.length < limit; more = startKey !== undefined) {
      const page = await orUnavailable(
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: EXPIRY_INDEX.name,
            KeyConditionExpression: '#pk = :pending AND #sk < :now',
            ExpressionAttributeNames: { '#pk': EXPIRY_INDEX.partitionKey, '#sk': EXPIRY_INDEX.sortKey },
            ExpressionAttributeValues: { ':pending': PENDING_PARTITION, ':now': now },
            ScanIndexForward: true,
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      found.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    }
    return found.map(fromPendingUploadItem);
  }
}
