import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetBucketCorsCommand } from '@aws-sdk/client-s3';
import { makeDynamoClients } from '../../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../../adapters/dynamodb/table-setup.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver } from '../../scripts/local-aws-servers.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { imageRecord } from '../support/records.ts';

const root = new URL('../../', import.meta.url).pathname;
const awsCli = spawnSync('aws', ['--version']).status === 0;

/**
 * docker/init/create-resources.sh is what LocalStack runs; no Docker engine answers here, so
 * the script runs with the AWS CLI against the embedded servers, to prove that the definition
 * files it shares with `npm run setup` make a bucket and table the adapters can use.
 */
describe(`LocalStack init script against the embedded servers${awsCli ? '' : ' (pending: the aws CLI is not on the PATH)'}`, function () {
  this.timeout(60_000);
  let s3: LocalServer;
  let dynamodb: LocalServer;
  let dir: string;

  before(async function () {
    if (!awsCli) this.skip();
    dir = await mkdtemp(join(tmpdir(), 'docker-init-'));
    s3 = await startS3rver({ directory: join(dir, 's3') });
    dynamodb = await startDynalite();
    // LocalStack sees both files in one folder, mounted by the compose file.
    await copyFile(join(root, 'adapters/dynamodb/table-definition.json'), join(dir, 'table-definition.json'));
    await copyFile(join(root, 'adapters/s3/bucket-cors.json'), join(dir, 'bucket-cors.json'));
  });
  after(async () => {
    await s3?.close();
    await dynamodb?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  // Asynchronously: the servers the script talks to run in this process's event loop.
  const runScript = async (): Promise<string> => {
    const { stdout } = await promisify(execFile)('sh', [join(root, 'docker/init/create-resources.sh')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        AWSLOCAL: 'aws',
        DEFINITIONS: dir,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        S3_BUCKET_NAME: 'init-bucket',
        DYNAMODB_TABLE_NAME: 'InitTable',
      },
    });
    return stdout;
  };

  it('creates the bucket with CORS and the table with both indexes, idempotently', async () => {
    expect(await runScript()).to.include('created bucket init-bucket and table InitTable');
    await runScript();

    const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS });
    const s3Client = makeS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    try {
      const table = await client.send(new DescribeTableCommand({ TableName: 'InitTable' }));
      expect(table.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).to.deep.equal(['GSI1', 'GSI2', 'GSI3', 'GSI4']);
      await ensureTable(client, 'InitTable');

      const catalog = new DynamoDbImageCatalog(doc, 'InitTable', { timeShards: 4 });
      // No tags: those are written in a transaction, which dynalite does not have.
      const image = imageRecord({ ownerId: 'alice', tags: [] });
      await catalog.create(image);
      expect((await catalog.list({ limit: 5, userId: 'alice' })).items.map((i) => i.id)).to.deep.equal([image.id]);

      const cors = await s3Client.send(new GetBucketCorsCommand({ Bucket: 'init-bucket' }));
      expect(cors.CORSRules?.[0]?.AllowedMethods).to.include('GET');
    } finally {
      client.destroy();
      s3Client.destroy();
    }
  });
});
