import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ErasureRequest, ErasureRequests } from '../../core/ports/erasure-requests.port.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import { INDEX } from './image-item.ts';
import type { Item } from './image-item.ts';
import { queryStream, take } from './merged-streams.ts';

const OPEN_PARTITION = 'ERASING';
const key = (ownerId: string) => ({ PK: `ERASURE#${ownerId}`, SK: 'ERASURE' });

function toItem(request: ErasureRequest): Item {
  // While unfinished it sits in the work index, where the background work finds it without a Scan.
  const open = request.finishedAt === undefined ? { [INDEX.work.partitionKey]: OPEN_PARTITION, [INDEX.work.sortKey]: `${request.requestedAt}#${request.ownerId}` } : {};
  return { ...key(request.ownerId), ...open, ...request };
}

function fromItem(item: Item): ErasureRequest {
  const request: ErasureRequest = { ownerId: item.ownerId as string, requestedAt: item.requestedAt as string, erased: item.erased as number };
  if (item.finishedAt !== undefined) request.finishedAt = item.finishedAt as string;
  return request;
}

/** Erasure requests on the image table: one item per owner, the latest request. */
export class DynamoDbErasureRequests implements ErasureRequests {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async open(ownerId: string, at: string): Promise<ErasureRequest> {
    const request: ErasureRequest = { ownerId, requestedAt: at, erased: 0 };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(request), ConditionExpression: 'attribute_not_exists(PK) OR attribute_exists(finishedAt)' }));
      return request;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw catalogUnavailable(error);
    }
    // An unfinished request exists: a repeat resumes it.
    return (await this.get(ownerId)) ?? request;
  }

  async get(ownerId: string): Promise<ErasureRequest | undefined> {
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(ownerId), ConsistentRead: true })));
    return item === undefined ? undefined : fromItem(item);
  }

  async save(request: ErasureRequest): Promise<void> {
    await orUnavailable(this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(request) })));
  }

  async listOpen(limit: number): Promise<ErasureRequest[]> {
    if (limit <= 0) return [];
    const keys = await take(
      queryStream(this.doc, {
        tableName: this.tableName,
        indexName: INDEX.work.name,
        partitionKey: { name: INDEX.work.partitionKey, value: OPEN_PARTITION },
        sortKeyName: INDEX.work.sortKey,
        range: {},
        expected: limit,
        refill: limit,
        consistentRead: false,
        order: 'oldest',
      }),
      limit,
    );
    // The index holds keys only, and lags: each request is read again.
    const requests = await Promise.all(keys.map((item) => this.get((item.PK as string).slice('ERASURE#'.length))));
    return requests
      .filter((request): request is ErasureRequest => request !== undefined && request.finishedAt === undefined)
      .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
  }
}
