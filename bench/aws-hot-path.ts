// The serverless hot path against the raw SDK, in one process, in alternating rounds:
// - an upload through the service's use case (probe, S3 PutObject, then the image and its tag
//   links in one DynamoDB transaction, then a presigned URL) against the floor of PutObject +
//   PutItem with the same clients, file and servers, and against PutObject + the same transaction
//   the service writes, at 1 and 8 concurrent uploads; and an upload without tags, which the
//   service writes as one PutItem;
// - the cost of one presigned GET URL: getSignedUrl against the template presigner.
// Servers: s3rver and DynamoDB Local on loopback. Run with `npm run bench`; it asserts nothing.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { StructureProbe } from '../adapters/probe/structure-probe.ts';
import { GetUrlPresigner } from '../adapters/s3/get-url-presigner.ts';
import { makeS3Client } from '../adapters/s3/s3-client.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';
import { UuidGenerator } from '../adapters/system/uuid-generator.ts';
import { awsStorage } from '../apps/storage/aws.ts';
import { UploadImage } from '../core/use-cases/upload-image.ts';
import { Originals } from '../core/use-cases/originals.ts';
import { StructureScrubber } from '../adapters/probe/structure-scrubber.ts';
import { NodeContentHash } from '../adapters/system/node-content-hash.ts';
import { ExternalQueue } from '../apps/processor/external-queue.ts';
import { startDynamoDbLocal } from '../test/support/dynamodb-local.ts';
import { makeImage } from '../test/support/images.ts';
import { LOCAL_CREDENTIALS, startS3rver } from '../scripts/local-aws-servers.ts';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { loadConfig } from '../apps/config.ts';
import { median } from './support/load.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UPLOADS_PER_ROUND = 80;

const p50 = (values: number[]): number => median(values);

/** `total` calls of `one`, `clients` at a time: the median latency. */
async function latencies(clients: number, total: number, one: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  let left = total;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left > 0) {
        left -= 1;
        const started = performance.now();
        await one();
        times.push(performance.now() - started);
      }
    }),
  );
  return p50(times);
}

async function main(): Promise<void> {
  const dynamoLocal = await startDynamoDbLocal();
  if ('skipReason' in dynamoLocal) {
    console.log(`\n== serverless hot path: skipped (${dynamoLocal.skipReason})`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const s3Server = await startS3rver({ directory: dir });
  const base = loadConfig({ STORAGE: 'aws', S3_BUCKET_NAME: 'bench-bucket', DYNAMODB_TABLE_NAME: 'BenchHotPath' });
  const aws = { ...base.aws, s3Endpoint: s3Server.endpoint, dynamodbEndpoint: dynamoLocal.server.endpoint, credentials: LOCAL_CREDENTIALS };
  const storage = awsStorage(aws, '*');
  await storage.setup();
  // As the API's Lambda runs it: originals scrubbed, variants left to the processor function.
  const originals = new Originals(new StructureScrubber(), new NodeContentHash(), false);
  const upload = new UploadImage(storage.blobStore, storage.catalog, new StructureProbe(), originals, new ExternalQueue(), new SystemClock(), new UuidGenerator());
  // The floor: the same two writes with clients of the same making, and nothing else.
  const s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  const { doc } = makeDynamoClients({ region: aws.region, endpoint: aws.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  const file = makeImage({ width: 640, height: 480, format: 'jpeg', size: 60_000 });
  const floor = async (): Promise<void> => {
    const id = randomUUID();
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: `images/${id}.jpg`, Body: file, ContentType: 'image/jpeg' }));
    await doc.send(new PutCommand({ TableName: aws.table, Item: { PK: `FLOOR#${id}`, SK: 'IMAGE', id, ownerId: 'bench', tags: ['bench', 'sea'], fileSize: file.length } }));
  };
  // The same writes as the service's (an image item and two tag links in one transaction), so the
  // part of the gap that is the transaction itself shows apart from what the service adds.
  const transactionalFloor = async (): Promise<void> => {
    const id = randomUUID();
    await s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: `images/${id}.jpg`, Body: file, ContentType: 'image/jpeg' }));
    const item = { PK: `FLOOR#${id}`, SK: 'IMAGE', id, ownerId: 'bench', tags: ['bench', 'sea'], fileSize: file.length };
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: aws.table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } },
          ...item.tags.map((tag) => ({ Put: { TableName: aws.table, Item: { ...item, PK: `FLOORTAG#${tag}`, SK: id } } })),
        ],
      }),
    );
  };
  const service = () => upload.execute({ userId: 'bench', title: 'Bench', tags: ['bench', 'sea'], fileName: 'bench.jpg', bytes: file });
  // Without tags the image is one item, written with one PutItem: the floor's own two writes.
  const untagged = () => upload.execute({ userId: 'bench', title: 'Bench', tags: [], fileName: 'bench.jpg', bytes: file });

  try {
    for (let i = 0; i < 20; i += 1) await Promise.all([floor(), transactionalFloor(), service(), untagged()]);
    console.log(`\n== upload latency on s3rver + DynamoDB Local: ${ROUNDS} alternating rounds of ${UPLOADS_PER_ROUND} uploads, median of the rounds' p50`);
    console.log(
      `${'clients'.padEnd(8)} | ${'raw floor (PutObject + PutItem)'.padStart(32)} | ${'PutObject + same transaction'.padStart(29)} | ${'service (use case)'.padStart(20)} | ratio to floor (goal: at most 1.3) | ratio to transactional floor | ${'service, no tags'.padStart(16)} | its ratio to floor`,
    );
    for (const clients of [1, 8]) {
      const rounds = { floor: [] as number[], transactional: [] as number[], service: [] as number[], untagged: [] as number[] };
      for (let round = 0; round < ROUNDS; round += 1) {
        rounds.floor.push(await latencies(clients, UPLOADS_PER_ROUND, floor));
        rounds.transactional.push(await latencies(clients, UPLOADS_PER_ROUND, transactionalFloor));
        rounds.service.push(await latencies(clients, UPLOADS_PER_ROUND, service));
        rounds.untagged.push(await latencies(clients, UPLOADS_PER_ROUND, untagged));
      }
      const [f, t, s, u] = [median(rounds.floor), median(rounds.transactional), median(rounds.service), median(rounds.untagged)];
      console.log(
        `${String(clients).padEnd(8)} | ${`${f.toFixed(2)} ms`.padStart(32)} | ${`${t.toFixed(2)} ms`.padStart(29)} | ${`${s.toFixed(2)} ms`.padStart(20)} | ${(s / f).toFixed(2).padStart(35)} | ${(s / t).toFixed(2).padStart(28)} | ${`${u.toFixed(2)} ms`.padStart(16)} | ${(u / f).toFixed(2)}`,
      );
    }

    console.log(`\n== one presigned GET URL: ${ROUNDS} alternating rounds of 2,000 URLs, median of the rounds' mean`);
    const presigner = new GetUrlPresigner(s3, aws.bucket);
    const perUrl = async (sign: (key: string) => Promise<string>): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < 2000; i += 1) await sign(`images/${i}-${randomUUID()}.jpg`);
      return (performance.now() - started) / 2000;
    };
    const sdk = (key: string) => getSignedUrl(s3, new GetObjectCommand({ Bucket: aws.bucket, Key: key }), { expiresIn: 3600 });
    const ours = (key: string) => presigner.presign(key, 3600);
    const samples = { sdk: [] as number[], ours: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      samples.sdk.push(await perUrl(sdk));
      samples.ours.push(await perUrl(ours));
    }
    console.log(`getSignedUrl ${median(samples.sdk).toFixed(4)} ms | template presigner ${median(samples.ours).toFixed(4)} ms (goal: at most 0.05) | ratio ${(median(samples.ours) / median(samples.sdk)).toFixed(2)}`);
  } finally {
    s3.destroy();
    storage.close();
    await s3Server.close();
    await dynamoLocal.server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
