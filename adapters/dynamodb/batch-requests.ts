import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalogUnavailable, orUnavailable } from './dynamodb-errors.ts';
import type { Item, Key } from './image-item.ts';

// DynamoDB's own per-call limits.
const MAX_WRITES_PER_CALL = 25;
const MAX_KEYS_PER_GET = 100;
// Unprocessed items mean throttling: back off 50, 100, 200, 400 ms (with jitter), then give up.
const ATTEMPTS = 5;
const BASE_DELAY_MS = 50;

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

const chunks = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

const backOff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, BASE_DELAY_MS * 2 ** attempt * (0.5 + Math.random() / 2)));

const leftOver = (what: string): Error => new Error(`${what} still unprocessed after ${ATTEMPTS} attempts`);

/** Every request applied, or DomainError `unavailable`; some may have been applied even then. */
export async function writeAll(doc: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[]): Promise<void> {
  for (const chunk of chunks(requests, MAX_WRITES_PER_CALL)) {
    let pending: readonly WriteRequest[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt === ATTEMPTS) throw catalogUnavailable(leftOver('writes'));
      if (attempt > 0) await backOff(attempt - 1);
      const output = await orUnavailable(doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: [...pending] } })));
      pending = (output.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}

/** The items found for `keys` (consistent reads), in no particular order. */
export async function getAll(doc: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<Item[]> {
  const found: Item[] = [];
  for (const chunk of chunks(keys, MAX_KEYS_PER_GET)) {
    let pending: readonly Key[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt === ATTEMPTS) throw catalogUnavailable(leftOver('reads'));
      if (attempt > 0) await backOff(attempt - 1);
      const output = await orUnavailable(
        doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [...pending], ConsistentRead: true } } })),
      );
      found.push(...(output.Responses?.[tableName] ?? []));
      pending = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return found;
}
