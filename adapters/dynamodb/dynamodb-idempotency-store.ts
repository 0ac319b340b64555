import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '../../core/ports/idempotency-store.port.ts';
import { catalogUnavailable, isConditionalCheckFailed, orUnavailable } from './dynamodb-errors.ts';
import type { Item } from './image-item.ts';

const key = (scope: string, idempotencyKey: string) => ({ PK: `IDEM#${scope}`, SK: `KEY#${idempotencyKey}` });
// The table's TTL attribute (epoch seconds) removes a record some time after it expires; the
// ISO copy is what the conditions compare, since TTL deletion may lag by days.
const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);

function fromItem(item: Item): IdempotencyRecord {
  const record: IdempotencyRecord = { fingerprint: item.fingerprint as string, lockedUntil: item.lockedUntil as string, expiresAt: item.expiresAtIso as string };
  if (item.answer !== undefined) record.answer = item.answer as string;
  return record;
}

/** Idempotency records on the image table, claimed with a conditional write (as Powertools does), never scanned. */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(scope: string, idempotencyKey: string, record: IdempotencyRecord, now: string): Promise<IdempotencyRecord | undefined> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(scope, idempotencyKey), fingerprint: record.fingerprint, lockedUntil: record.lockedUntil, expiresAtIso: record.expiresAt, expiresAt: epochSeconds(record.expiresAt) },
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAtIso <= :now OR (attribute_not_exists(answer) AND lockedUntil <= :now)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw catalogUnavailable(error);
    }
    // Held: read what holds it (a retry's path only, so the extra read costs nothing on first requests).
    const { Item: item } = await orUnavailable(this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(scope, idempotencyKey), ConsistentRead: true })));
    return item === undefined ? record : fromItem(item);
  }

  async complete(scope: string, idempotencyKey: string, answer: string, expiresAt: string): Promise<void> {
    await orUnavailable(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(scope, idempotencyKey),
          UpdateExpression: 'SET answer = :answer, expiresAtIso = :iso, expiresAt = :epoch',
          ExpressionAttributeValues: { ':answer': answer, ':iso': expiresAt, ':epoch': epochSeconds(expiresAt) },
        }),
      ),
    );
  }

  async release(scope: string, idempotencyKey: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(scope, idempotencyKey), ConditionExpression: 'attribute_not_exists(answer)' }));
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw catalogUnavailable(error);
    }
  }
}
