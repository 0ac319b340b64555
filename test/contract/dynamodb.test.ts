import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../../adapters/dynamodb/table-setup.ts';
import type { LocalServer } from '../support/local-aws-servers.ts';
import { sortKey } from '../../core/image.ts';
import type { CatalogQuery } from '../../core/ports/image-catalog.port.ts';
import { rejection } from '../support/assertions.ts';
import { describeOnBackend, dynamoBackends } from '../support/dynamodb-backends.ts';
import type { Backend } from '../support/dynamodb-backends.ts';
import { freePort } from '../support/server-process.ts';
import { imageRecord } from '../support/records.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';

// Small, so that listing everything merges several streams even with a handful of images.
const SHARDS = 3;
// Every local server accepts any keys; LocalStack documents these.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const ALLOWED_COMMANDS = ['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'BatchWriteItemCommand'];

let tables = 0;

interface Fixture {
  catalog: DynamoDbImageCatalog;
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

/** A catalog on a new, empty table of its own, on a server other tests share. */
async function freshCatalog(server: LocalServer): Promise<Fixture> {
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS });
  tables += 1;
  const tableName = `catalog-${process.pid}-${tables}`;
  await ensureTable(client, tableName);
  return {
    catalog: new DynamoDbImageCatalog(doc, tableName, { timeShards: SHARDS }),
    client,
    tableName,
    close: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

/** Every command the client sends, and the items its Query and BatchGetItem calls read. */
function recordTraffic(client: DynamoDBClient): { commands: Set<string>; itemsRead: () => number; reset(): void } {
  const commands = new Set<string>();
  let itemsRead = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.add(context.commandName ?? 'unknown');
      const result = await next(args);
      const output = result.output as { ScannedCount?: number; Responses?: Record<string, unknown[]> };
      itemsRead += (output.ScannedCount ?? 0) + Object.values(output.Responses ?? {}).reduce((sum, items) => sum + items.length, 0);
      return result;
    },
    { step: 'initialize', name: 'recordTraffic' },
  );
  return { commands, itemsRead: () => itemsRead, reset: () => void (itemsRead = 0) };
}

/** Makes every batch write carrying one kind of request fail, as a dropped connection would. */
function failBatchWrites(client: DynamoDBClient, kind: 'PutRequest' | 'DeleteRequest'): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, Record<string, unknown>[]> };
      const hit =
        context.commandName === 'BatchWriteItemCommand' &&
        Object.values(input.RequestItems ?? {}).some((requests) => requests.some((request) => kind in request));
      if (hit) throw Object.assign(new Error('simulated outage'), { name: 'ServiceUnavailable' });
      return next(args);
    },
    { step: 'initialize', name: `fail${kind}` },
  );
}

/** The contract and the DynamoDB-specific cases, on one server, or pending with the reason. */
function onServer(name: string, backend: Backend): void {
  describeOnBackend(`DynamoDB catalog on ${name}`, backend, (server) => {
    imageCatalogContract(name, async () => freshCatalog(server()));

    describe('beyond the contract', () => {
      let fixture: Fixture;
      beforeEach(async () => {
        fixture = await freshCatalog(server());
      });
      afterEach(async () => fixture.close());

      it('sends no Scan and no transaction on any request path', async () => {
        const { catalog, client } = fixture;
        const traffic = recordTraffic(client);
        const images = [
          imageRecord({ ownerId: 'alice', tags: ['sea', 'sun'] }),
          imageRecord({ ownerId: 'bob', tags: ['sea'] }),
          imageRecord({ ownerId: 'alice', tags: [] }),
        ];
        for (const image of images) await catalog.create(image);
        await rejection(catalog.create(images[0]!));
        await catalog.get(images[0]!.id);
        await catalog.ping();
        const queries: Omit<CatalogQuery, 'limit'>[] = [
          {},
          { userId: 'alice' },
          { tags: ['sea', 'sun'] },
          { userId: 'alice', tags: ['sun'] },
          { from: images[0]!.createdAt, to: images[2]!.createdAt },
          { after: sortKey(images[2]!) },
          { tags: ['sea'], from: images[0]!.createdAt, after: sortKey(images[1]!) },
        ];
        for (const query of queries) await catalog.list({ limit: 1, ...query });
        await rejection(catalog.markDeleted(images[0]!.id, 'bob', '2026-06-01T00:00:00.000Z'));
        await catalog.markDeleted(images[0]!.id, 'alice', '2026-06-01T00:00:00.000Z');
        await rejection(catalog.markDeleted(images[0]!.id, 'alice', '2026-06-01T00:00:00.000Z'));

        expect([...traffic.commands].filter((command) => !ALLOWED_COMMANDS.includes(command))).to.deep.equal([]);
        expect([...traffic.commands]).to.include.members(['PutItemCommand', 'BatchWriteItemCommand', 'GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'UpdateItemCommand']);
      });

      it('reads a bounded number of items for a page, however large the table', async function () {
        this.timeout(180_000);
        const { catalog, client } = fixture;
        const images = Array.from({ length: 500 }, (_, i) =>
          imageRecord({ ownerId: i % 2 === 0 ? 'alice' : 'bob', tags: i % 4 === 0 ? ['common', 'rare'] : ['common'] }),
        );
        for (let i = 0; i < images.length; i += 25) await Promise.all(images.slice(i, i + 25).map((image) => catalog.create(image)));
        const traffic = recordTraffic(client);
        const limit = 20;
        // The worst case is limit + 1 items from each stream: SHARDS of them when listing all;
        // a filter that keeps half of the user's images doubles the next read once.
        const bounds: [Omit<CatalogQuery, 'limit'>, number][] = [
          [{}, SHARDS * (limit + 1)],
          [{ userId: 'alice' }, limit + 1],
          [{ tags: ['common'] }, 2 * (limit + 1)],
          [{ userId: 'alice', tags: ['rare'] }, 3 * (limit + 1)],
          [{ from: images[100]!.createdAt, to: images[400]!.createdAt }, SHARDS * (limit + 1)],
          [{ after: sortKey(images[250]!) }, SHARDS * (limit + 1)],
        ];
        for (const [query, bound] of bounds) {
          traffic.reset();
          const page = await catalog.list({ limit, ...query });
          expect(page.items, JSON.stringify(query)).to.have.length(limit);
          expect(traffic.itemsRead(), JSON.stringify(query)).to.be.at.most(bound);
        }
      });

      it('takes the image back when its tag links cannot be written', async () => {
        const { catalog, client } = fixture;
        failBatchWrites(client, 'PutRequest');
        const image = imageRecord({ tags: ['sea'] });
        const error = await rejection(catalog.create(image));
        expect(error).to.include({ kind: 'unavailable', code: 'service_unavailable' });
        expect(await catalog.get(image.id)).to.equal(undefined);
        expect(await catalog.list({ limit: 5 })).to.deep.equal({ items: [], more: false });
      });

      it('keeps a delete whose tag links cannot be removed, and lists it nowhere', async () => {
        const { catalog, client } = fixture;
        const [oldest, middle, newest] = [1, 2, 3].map(() => imageRecord({ ownerId: 'alice', tags: ['sea', 'sun'] }));
        for (const image of [oldest!, middle!, newest!]) await catalog.create(image);
        failBatchWrites(client, 'DeleteRequest');
        await catalog.markDeleted(newest!.id, 'alice', '2026-06-01T00:00:00.000Z');
        expect((await catalog.get(newest!.id))?.deletedAt).to.equal('2026-06-01T00:00:00.000Z');
        for (const query of [{}, { tags: ['sea'] }, { tags: ['sea', 'sun'] }, { userId: 'alice', tags: ['sun'] }]) {
          // The stale link fills the first batch of a tag listing: the look-ahead must read on.
          expect(await catalog.list({ limit: 1, ...query }), JSON.stringify(query)).to.deep.equal({ items: [middle], more: true });
          expect(await catalog.list({ limit: 1, ...query, after: sortKey(middle!) }), JSON.stringify(query)).to.deep.equal({ items: [oldest], more: false });
        }
      });

      it('prepares the table again without complaint, also from concurrent callers', async () => {
        const { client, tableName } = fixture;
        await ensureTable(client, tableName);
        const another = `${tableName}-concurrent`;
        await Promise.all([ensureTable(client, another), ensureTable(client, another)]);
        await client.send(new DeleteTableCommand({ TableName: another }));
      });
    });
  });
}

for (const [name, backend] of await dynamoBackends()) onServer(name, backend);

describe('DynamoDB catalog without a server', () => {
  it('fails fast as unavailable, with a message that reveals nothing of the SDK', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const catalog = new DynamoDbImageCatalog(doc, 'SecretTableName', { timeShards: SHARDS });
    const image = imageRecord({ tags: ['sea'] });
    const calls = [catalog.ping(), catalog.get('x'), catalog.create(image), catalog.list({ limit: 5 }), catalog.list({ limit: 5, tags: ['sea'] }), catalog.markDeleted('x', 'alice', image.createdAt), ensureTable(client, 'SecretTableName')];
    const started = Date.now();
    for (const error of await Promise.all(calls.map((call) => rejection(call)))) {
      expect(error).to.include({ kind: 'unavailable', code: 'service_unavailable' });
      expect(error.message).not.to.match(/SecretTableName|127\.0\.0\.1|ECONNREFUSED|Exception|connect/i);
      expect(error.cause).to.be.instanceOf(Error);
    }
    expect(Date.now() - started).to.be.below(5_000);
    client.destroy();
  });
});
