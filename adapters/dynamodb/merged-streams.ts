import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { orUnavailable } from './dynamodb-errors.ts';
import type { Item } from './image-item.ts';

/** Sort keys from `from` (inclusive) up to `below` (exclusive); either end may be open. */
export interface SortKeyRange {
  from?: string;
  below?: string;
}

export interface StreamSource {
  tableName: string;
  indexName?: string;
  partitionKey: { name: string; value: string };
  sortKeyName: string;
  range: SortKeyRange;
  /** Items the caller expects to need from this stream; the first request reads no more. */
  expected: number;
  /**
   * Items each later request reads. One of several merged streams is read a little at a time:
   * it is asked for more only when it may hold the next item of the page.
   */
  refill: number;
  consistentRead: boolean;
  /** Newest first (listings) unless said otherwise: work queues are served oldest first. */
  order?: Order;
}

/** The order of a stream's sort keys. */
export type Order = 'newest' | 'oldest';

const MAX_QUERY_LIMIT = 1000;
const clamp = (limit: number): number => Math.min(Math.max(limit, 1), MAX_QUERY_LIMIT);

/**
 * One partition's items within the range, newest first (or oldest first), fetched page by page
 * only as the consumer pulls. DynamoDB allows one condition on the sort key, so a range closed at both
 * ends becomes BETWEEN, which includes `below`: that one key is dropped here.
 */
export async function* queryStream(doc: DynamoDBDocumentClient, source: StreamSource): AsyncGenerator<Item> {
  const { from, below } = source.range;
  if (from !== undefined && below !== undefined && from >= below) return;
  const bounds =
    from !== undefined && below !== undefined ? { condition: ' AND #sk BETWEEN :from AND :below', values: { ':from': from, ':below': below } }
    : from !== undefined ? { condition: ' AND #sk >= :from', values: { ':from': from } }
    : below !== undefined ? { condition: ' AND #sk < :below', values: { ':below': below } }
    : undefined;
  const input: QueryCommandInput = {
    TableName: source.tableName,
    IndexName: source.indexName,
    KeyConditionExpression: `#pk = :pk${bounds?.condition ?? ''}`,
    ExpressionAttributeNames: { '#pk': source.partitionKey.name, ...(bounds && { '#sk': source.sortKeyName }) },
    ExpressionAttributeValues: { ':pk': source.partitionKey.value, ...bounds?.values },
    ScanIndexForward: source.order === 'oldest',
    ConsistentRead: source.consistentRead,
  };
  let limit = clamp(source.expected);
  let startKey: Item | undefined;
  do {
    const page = await orUnavailable(doc.send(new QueryCommand({ ...input, Limit: limit, ExclusiveStartKey: startKey })));
    for (const item of page.Items ?? []) if (item[source.sortKeyName] !== below) yield item;
    startKey = page.LastEvaluatedKey;
    limit = clamp(source.refill);
  } while (startKey !== undefined);
}

/**
 * Several streams, each ordered by `key` (newest first, or oldest first), as one in that order;
 * an element reached through several streams (an image through two of its tags) comes out once,
 * as equal keys meet at the heads. The streams' first pages are fetched together; after that
 * each is read only as far as needed.
 */
export async function* mergeOrdered<T>(streams: AsyncIterator<T>[], key: (element: T) => string, order: Order = 'newest'): AsyncGenerator<T> {
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  const before = order === 'newest' ? (a: string, b: string) => a > b : (a: string, b: string) => a < b;
  let lastKey: string | undefined;
  for (;;) {
    let first = -1;
    heads.forEach((head, i) => {
      if (!head.done && (first === -1 || before(key(head.value), key((heads[first] as IteratorYieldResult<T>).value)))) first = i;
    });
    if (first === -1) return;
    const element = (heads[first] as IteratorYieldResult<T>).value;
    if (key(element) !== lastKey) {
      lastKey = key(element);
      yield element;
    }
    heads[first] = await streams[first]!.next();
  }
}

/** Up to `count` elements, pulling no further than needed. */
export async function take<T>(elements: AsyncIterator<T>, count: number): Promise<T[]> {
  const taken: T[] = [];
  while (taken.length < count) {
    const next = await elements.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}
