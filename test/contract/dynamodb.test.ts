import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../../adapters/dynamodb/table-setup.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { sortKey } from '../../core/image.ts';
import type { CatalogQuery } from '../../core/ports/image-catalog.port.ts';
import { rejection } from '../support/assertions.ts';
import { describeOnBackend, dynamoBackends } from '../support/dynamodb-backends.ts';
import type { Backend } from '../support/dynamodb-backends.ts';
import { freePort } from '../support/server-process.ts';
import { imageRecord } from '../support/records.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';

/** A purge time for images put in the trash by these tests, well after their deletion. */
const PURGE_AT = '2026-07-01T00:00:00.000Z';

// Small, so that listing everything merges several streams even with a handful of images.
const SHARDS = 3;
// Every local server accepts any keys; LocalStack documents these.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const ALLOWED_COMMANDS = ['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'QueryCommand', 'TransactWriteItemsCommand'];

let tables = 0;

interface Fixture {
  catalog: DynamoDbImageCatalog;
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

/** A catalog on a new, empty table of its own, on a server other tests share. */
async function freshCatalog(server: LocalServer, timeShards = SHARDS): Promise<Fixture> {
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS });
  tables += 1;
  const tableName = `catalog-${process.pid}-${tables}`;
  await ensureTable(client, tableName);
  return {
    catalog: new DynamoDbImageCatalog(doc, tableName, { timeShards }),
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

/** Makes every transaction fail, as a dropped connection or a throttled table would. */
function failTransactions(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') throw Object.assign(new Error('simulated outage'), { name: 'ServiceUnavailable' });
      return next(args);
    },
    { step: 'initialize', name: 'failTransactions' },
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

      it('sends no Scan and no BatchGetItem on any request path; tags go in one transaction with their image', async () => {
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
        await rejection(catalog.markDeleted(images[0]!.id, 'bob', '2026-06-01T00:00:00.000Z', PURGE_AT));
        await catalog.markDeleted(images[0]!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        await catalog.markDeleted(images[2]!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT);
        await rejection(catalog.markDeleted(images[0]!.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT));
        // The lifecycle and the pipeline, each once.
        await catalog.saveEdit(images[1]!, { ...images[1]!, title: 'Edited', tags: ['sea', 'new'], updatedAt: '2026-06-02T00:00:00.000Z' });
        await catalog.restore(images[2]!.id, 'alice', '2026-06-03T00:00:00.000Z');
        await catalog.listTrash({ ownerId: 'alice', limit: 2, now: '2026-06-03T00:00:00.000Z' });
        await catalog.beginPurge(images[0]!.id, { ownerId: 'alice' }, '2026-06-04T00:00:00.000Z');
        await catalog.listPurgeable('2026-06-04T00:00:00.000Z', 10);
        await catalog.erase(images[0]!.id);
        await catalog.list({ limit: 1, userId: 'alice', checksum: images[1]!.checksum });
        await catalog.listProcessing(5);
        await catalog.recordProcessed(images[1]!.id, { status: 'failed', reason: 'test' });

        expect([...traffic.commands].filter((command) => !ALLOWED_COMMANDS.includes(command))).to.deep.equal([]);
        expect([...traffic.commands]).to.include.members(['PutItemCommand', 'TransactWriteItemsCommand', 'GetItemCommand', 'QueryCommand', 'DeleteItemCommand']);
      });

      it('reads about one item per image returned in every mode, however large the table', async function () {
        this.timeout(180_000);
        const { catalog, client } = fixture;
        const images = Array.from({ length: 500 }, (_, i) =>
          imageRecord({ ownerId: i % 2 === 0 ? 'alice' : 'bob', tags: i % 4 === 0 ? ['common', 'rare'] : ['common'] }),
        );
        for (let i = 0; i < images.length; i += 25) await Promise.all(images.slice(i, i + 25).map((image) => catalog.create(image)));
        const traffic = recordTraffic(client);
        const limit = 20;
        // One stream (a user, a tag, a user's tag) reads the page and one more item. Several
        // merged streams (the time shards, two tags) read each a share and a little more: 28
        // for 3 shards here, 36 for two tags of which one holds the other (every image of the
        // second is read twice). Before the links carried the images, a tag page read 42.
        const merged = 2 * (limit + 1);
        const bounds: [Omit<CatalogQuery, 'limit'>, number][] = [
          [{ userId: 'alice' }, limit + 1],
          [{ tags: ['common'] }, limit + 1],
          [{ userId: 'alice', tags: ['rare'] }, limit + 1],
          [{ userId: 'alice', after: sortKey(images[250]!) }, limit + 1],
          [{}, merged],
          [{ tags: ['common', 'rare'] }, merged],
          [{ from: images[100]!.createdAt, to: images[400]!.createdAt }, merged],
          [{ after: sortKey(images[250]!) }, merged],
        ];
        for (const [query, bound] of bounds) {
          traffic.reset();
          const page = await catalog.list({ limit, ...query });
          expect(page.items, JSON.stringify(query)).to.have.length(limit);
          expect(traffic.itemsRead(), JSON.stringify(query)).to.be.at.most(bound);
        }
      });

      it('works a queue oldest first across its shards, reading a share of each and not the whole backlog', async () => {
        const { catalog, client } = fixture;
        const images = Array.from({ length: 60 }, () => imageRecord({ status: 'processing' }));
        for (let i = 0; i < images.length; i += 20) await Promise.all(images.slice(i, i + 20).map((image) => catalog.create(image)));
        const traffic = recordTraffic(client);
        const oldest = await catalog.listProcessing(12);
        expect(oldest).to.deep.equal(images.slice(0, 12).map((image) => image.id));
        // 3 shards: a share of 4 and one more each, then a little more where the oldest are.
        expect(traffic.itemsRead()).to.be.at.most(2 * (12 + 1));
      });

      it('reads the page and one more item when listing all from one time shard', async () => {
        const single = await freshCatalog(server(), 1);
        try {
          for (let i = 0; i < 30; i += 1) await single.catalog.create(imageRecord({ tags: ['x'] }));
          const traffic = recordTraffic(single.client);
          expect((await single.catalog.list({ limit: 10 })).items).to.have.length(10);
          expect(traffic.itemsRead()).to.equal(11);
        } finally {
          await single.close();
        }
      });

      it('writes an image and its tag links all or nothing', async () => {
        const { catalog, client } = fixture;
        failTransactions(client);
        const image = imageRecord({ tags: ['sea', 'sun'] });
        const error = await rejection(catalog.create(image));
        expect(error).to.include({ kind: 'unavailable', code: 'service_unavailable' });
        expect(await catalog.get(image.id)).to.equal(undefined);
        for (const query of [{}, { tags: ['sea'] }, { userId: image.ownerId, tags: ['sun'] }]) {
          expect(await catalog.list({ limit: 5, ...query }), JSON.stringify(query)).to.deep.equal({ items: [], more: false });
        }
      });

      it('deletes an image and its tag links all or nothing', async () => {
        const { catalog, client } = fixture;
        const image = imageRecord({ ownerId: 'alice', tags: ['sea', 'sun'] });
        await catalog.create(image);
        failTransactions(client);
        expect(await rejection(catalog.markDeleted(image.id, 'alice', '2026-06-01T00:00:00.000Z', PURGE_AT))).to.include({ kind: 'unavailable' });
        expect((await catalog.get(image.id))?.deletedAt).to.equal(undefined);
        for (const query of [{}, { userId: 'alice' }, { tags: ['sea'] }, { userId: 'alice', tags: ['sun'] }]) {
          expect((await catalog.list({ limit: 5, ...query })).items, JSON.stringify(query)).to.deep.equal([image]);
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

// dynalite has no transactions, which the catalog writes an image and its tag links with; it
// stays the test server of the pending uploads (dynamodb-pending.test.ts).
for (const [name, backend] of await dynamoBackends()) {
  onServer(name, name === 'dynalite' ? { skipReason: 'dynalite has no transactions (TransactWriteItems), which the catalog needs' } : backend);
}

describe('DynamoDB catalog without a server', () => {
  it('fails fast as unavailable, with a message that reveals nothing of the SDK', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const catalog = new DynamoDbImageCatalog(doc, 'SecretTableName', { timeShards: SHARDS });
    const image = imageRecord({ tags: ['sea'] });
    const calls = [catalog.ping(), catalog.get('x'), catalog.create(image), catalog.list({ limit: 5 }), catalog.list({ limit: 5, tags: ['sea'] }), catalog.markDeleted('x', 'alice', image.createdAt, PURGE_AT), ensureTable(client, 'SecretTableName')];
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
