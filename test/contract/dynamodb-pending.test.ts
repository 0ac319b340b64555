import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { DynamoDbPendingUploads } from '../../adapters/dynamodb/dynamodb-pending-uploads.ts';
import { DynamoDbErasureRequests } from '../../adapters/dynamodb/dynamodb-erasure-requests.ts';
import { DynamoDbIdempotencyStore } from '../../adapters/dynamodb/dynamodb-idempotency-store.ts';
import { lifecycleStoresContract } from './lifecycle-stores.contract.ts';
import { ensureTable } from '../../adapters/dynamodb/table-setup.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import type { CatalogQuery } from '../../core/ports/image-catalog.port.ts';
import { rejection } from '../support/assertions.ts';
import { describeOnBackend, dynamoBackends } from '../support/dynamodb-backends.ts';
import type { Backend } from '../support/dynamodb-backends.ts';
import { freePort } from '../support/server-process.ts';
import { imageRecord } from '../support/records.ts';
import { instant, pendingUploadRecord, pendingUploadsContract } from './pending-uploads.contract.ts';

// Every local server accepts any keys; LocalStack documents these.
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const ALLOWED_COMMANDS = ['GetItemCommand', 'PutItemCommand', 'DeleteItemCommand', 'QueryCommand'];
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

let tables = 0;

interface Fixture {
  uploads: DynamoDbPendingUploads;
  catalog: DynamoDbImageCatalog;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  close(): Promise<void>;
}

/** Pending uploads and the image catalog on a new, empty table of their own, on a shared server. */
async function freshTable(server: LocalServer): Promise<Fixture> {
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: server.endpoint, credentials: CREDENTIALS });
  tables += 1;
  // Not `catalog-…`: dynamodb.test.ts runs in the same process and may share the server.
  const tableName = `pending-${process.pid}-${tables}`;
  await ensureTable(client, tableName);
  return {
    uploads: new DynamoDbPendingUploads(doc, tableName),
    catalog: new DynamoDbImageCatalog(doc, tableName, { timeShards: 3 }),
    client,
    doc,
    tableName,
    close: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

/** Every command the client sends, with its input. */
function recordCommands(client: DynamoDBClient): { name: string; input: Record<string, unknown> }[] {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: context.commandName ?? 'unknown', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return sent;
}

/** Cuts every Query page short, as DynamoDB does at 1 MB whatever the Limit. */
function shortQueryPages(client: DynamoDBClient, size: number): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Limit?: number };
      if (context.commandName === 'QueryCommand' && (input.Limit === undefined || input.Limit > size)) input.Limit = size;
      return next(args);
    },
    { step: 'initialize', name: 'shortQueryPages' },
  );
}

/** The contract and the DynamoDB-specific cases, on one server, or pending with the reason. */
function onServer(name: string, backend: Backend): void {
  describeOnBackend(`DynamoDB pending uploads on ${name}`, backend, (server) => {
    pendingUploadsContract(name, async () => freshTable(server()));
    lifecycleStoresContract(name, async () => {
      const fixture = await freshTable(server());
      return { idempotency: new DynamoDbIdempotencyStore(fixture.doc, fixture.tableName), erasures: new DynamoDbErasureRequests(fixture.doc, fixture.tableName), close: fixture.close };
    });

    describe('beyond the contract', () => {
      let fixture: Fixture;
      beforeEach(async () => {
        fixture = await freshTable(server());
      });
      afterEach(async () => fixture.close());

      it('stores the item layout of the design, with the TTL attribute in epoch seconds, rounded up', async () => {
        const { uploads, doc, tableName } = fixture;
        const offSecond = pendingUploadRecord({ expiresAt: '2026-03-01T10:15:00.250Z' });
        const onSecond = pendingUploadRecord({ expiresAt: '2026-03-01T10:15:00.000Z' });
        await uploads.create(offSecond);
        await uploads.create(onSecond);
        const raw = async (id: string): Promise<Record<string, unknown> | undefined> =>
          (await doc.send(new GetCommand({ TableName: tableName, Key: { PK: `UPLOAD#${id}`, SK: 'UPLOAD' }, ConsistentRead: true }))).Item;

        const item = await raw(offSecond.id);
        expect(item).to.include({ PK: `UPLOAD#${offSecond.id}`, SK: 'UPLOAD', GSI1PK: 'PENDING', GSI1SK: `2026-03-01T10:15:00.250Z#${offSecond.id}` });
        expect(item).not.to.have.any.keys('GSI2PK', 'GSI2SK');
        // DynamoDB would drop the item at the start of the second; never before it expires.
        expect(item?.expiresAt).to.equal(Date.parse('2026-03-01T10:15:01.000Z') / 1000);
        expect((await raw(onSecond.id))?.expiresAt).to.equal(Date.parse('2026-03-01T10:15:00.000Z') / 1000);
      });

      it('sends no Scan: single-item calls, and Queries on the PENDING partition of GSI1', async () => {
        const { uploads, client } = fixture;
        const sent = recordCommands(client);
        const upload = pendingUploadRecord({ expiresAt: instant(0) });
        await uploads.create(upload);
        await rejection(uploads.create(upload));
        await uploads.get(upload.id);
        await uploads.listExpired(FAR_FUTURE, 10);
        await uploads.delete(upload.id);
        await uploads.delete(upload.id);
        await uploads.listExpired(FAR_FUTURE, 10);

        const names = new Set(sent.map((command) => command.name));
        expect([...names].filter((command) => !ALLOWED_COMMANDS.includes(command))).to.deep.equal([]);
        expect([...names]).to.have.members(ALLOWED_COMMANDS);
        for (const query of sent.filter((command) => command.name === 'QueryCommand')) {
          expect(query.input).to.include({ IndexName: 'GSI1', KeyConditionExpression: '#pk = :pending AND #sk < :now' });
        }
      });

      it('reads on past a Query page cut short, and stops at the limit', async () => {
        const { uploads, client } = fixture;
        const records = Array.from({ length: 7 }, (_, i) => pendingUploadRecord({ expiresAt: instant(i * 1000) }));
        for (const record of records) await uploads.create(record);
        shortQueryPages(client, 2);
        const sent = recordCommands(client);
        expect(await uploads.listExpired(FAR_FUTURE, 5)).to.deep.equal(records.slice(0, 5));
        expect(sent.map((command) => command.input.Limit)).to.deep.equal([2, 2, 1]);
        expect(await uploads.listExpired(FAR_FUTURE, 50)).to.deep.equal(records);
      });

      it('never lists images as expired uploads, nor pending uploads in any image listing', async function () {
        // Images with tags are written in a transaction, which dynalite does not have.
        if (name === 'dynalite') {
          this.test!.title += ' (pending: dynalite has no transactions, which the catalog writes tagged images with)';
          this.skip();
        }
        const { uploads, catalog } = fixture;
        // Both kinds old enough for every window below, same owner and tags, so only the keys keep them apart.
        const images = [1, 2, 3].map((i) => imageRecord({ ownerId: 'alice', tags: ['sea'], createdAt: instant(i), updatedAt: instant(i) }));
        const pending = [1, 2, 3].map((i) => pendingUploadRecord({ ownerId: 'alice', tags: ['sea'], createdAt: instant(i), expiresAt: instant(i) }));
        for (const image of images) await catalog.create(image);
        for (const upload of pending) await uploads.create(upload);

        expect(await uploads.listExpired(FAR_FUTURE, 100)).to.deep.equal(pending);
        const queries: Omit<CatalogQuery, 'limit'>[] = [{}, { userId: 'alice' }, { tags: ['sea'] }, { userId: 'alice', tags: ['sea'] }, { from: instant(0), to: FAR_FUTURE }];
        for (const query of queries) {
          const page = await catalog.list({ limit: 100, ...query });
          expect(page.items.map((image) => image.id), JSON.stringify(query)).to.have.members(images.map((image) => image.id));
        }
        expect(await catalog.get(pending[0]!.id)).to.equal(undefined);
        expect(await uploads.get(images[0]!.id)).to.equal(undefined);
      });

      it('keeps an upload and the image it becomes apart under the same id', async () => {
        const { uploads, catalog } = fixture;
        const upload = pendingUploadRecord({ expiresAt: instant(0) });
        const image = imageRecord({ id: upload.id, storageKey: upload.key });
        await uploads.create(upload);
        await catalog.create(image);
        expect(await uploads.get(upload.id)).to.deep.equal(upload);
        expect(await catalog.get(image.id)).to.deep.equal(image);
        await uploads.delete(upload.id);
        expect(await catalog.get(image.id)).to.deep.equal(image);
        expect(await uploads.listExpired(FAR_FUTURE, 10)).to.deep.equal([]);
      });
    });
  });
}

for (const [name, backend] of await dynamoBackends()) onServer(name, backend);

describe('DynamoDB pending uploads without a server', () => {
  it('fails fast as unavailable, with a message that reveals nothing of the SDK', async () => {
    const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}`, credentials: CREDENTIALS });
    const uploads = new DynamoDbPendingUploads(doc, 'SecretTableName');
    const calls = [uploads.create(pendingUploadRecord()), uploads.get('x'), uploads.delete('x'), uploads.listExpired(FAR_FUTURE, 10)];
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
