import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { createLogger } from '../../apps/logger.ts';
import type { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { loadConfig } from '../../apps/config.ts';
import { buildContainer } from '../../apps/container.ts';
import type { AdapterOverrides } from '../../apps/container.ts';
import { createExpressApp } from '../../apps/express-app.ts';
import { localStorage } from '../../apps/storage/local.ts';
import { memoryStorage } from '../../apps/storage/memory.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import type { AwsConfig } from '../../apps/config.ts';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import type { AwsTestStack } from './aws-test-stack.ts';
import type { Storage } from '../../apps/storage/storage.ts';
import { ManualClock, RecordingQueue } from './fakes.ts';
import { SharpImageProcessor } from '../../adapters/sharp/sharp-image-processor.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { answerProblem } from './answer-check.ts';
import type { HttpResponse, Route } from '../../apps/http/types.ts';
import { listenOnLoopback } from './listen.ts';

/**
 * The backends an app can run on in tests: process memory, the local store in a fresh data
 * folder, or the AWS adapters on the test servers (s3rver and DynamoDB Local), each app with a
 * bucket and a table of its own.
 */
export type TestBackend = 'memory' | 'local' | 'aws';

export interface TestApp {
  url: string;
  clock: ManualClock;
  container: Container;
  storage: Storage;
  /** The data folder of a `local` app. */
  dataDir?: string;
  /** Every JSON log line the service wrote. */
  logs: Record<string, unknown>[];
  /** How many objects the blob store holds: none may be left behind by a refused request. */
  objectCount(): Promise<number>;
  /** Ids queued for processing since the last run. */
  queued: string[];
  /** Processes what was queued, one by one, as the worker would; only with `processing: true`. */
  processQueued(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  overrides?: Omit<AdapterOverrides, 'clock' | 'logger'>;
  env?: Record<string, string>;
  backend?: TestBackend;
  /** Make variants with sharp when the test calls `processQueued` (else images stay `processing`). */
  processing?: boolean;
  /** The running test servers, for the `aws` backend. */
  aws?: AwsTestStack;
}

/** A way to serve the service over HTTP: the Express app, or the Lambda handler behind API Gateway. */
export interface EntryPoint {
  name: string;
  serve(container: Container): RequestListener;
  /** The largest request body that reaches the service's own code. */
  maxBodyBytes: number;
  /** Whether the service answers CORS itself (behind API Gateway, the gateway does). */
  answersCors: boolean;
  /** Whether the service's Content-Length reaches the client (API Gateway sets its own, from the body it sends). */
  ownsContentLength: boolean;
  /** Whether the server can refuse a body by its declared length before reading it. */
  streamsBodies: boolean;
  /** The stores behind it; memory unless named. */
  backend?: TestBackend;
}

export const expressEntry: EntryPoint = {
  name: 'Express',
  serve: (container) => createExpressApp(container),
  maxBodyBytes: Number.POSITIVE_INFINITY,
  answersCors: true,
  ownsContentLength: true,
  streamsBodies: true,
};

/** Express over the local store (SQLite and files in a fresh data folder), as `npm start` runs. */
export const expressLocalEntry: EntryPoint = { ...expressEntry, name: 'Express on the local store (SQLite and files)', backend: 'local' };

/** Rate limits stay off in tests unless a test is about them. */
export const WRITES_UNLIMITED = { RATE_LIMIT_WRITES_PER_IP: '0', RATE_LIMIT_WRITES_PER_CALLER: '0' };

/** Files under a folder, at any depth. */
export async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

let apps = 0;

function requireStack(stack: AwsTestStack | undefined): AwsTestStack {
  if (stack === undefined) throw new Error("startApp: the 'aws' backend needs options.aws, a running test stack");
  return stack;
}

/** Every key in an `aws` app's bucket. */
async function bucketKeys(aws: AwsConfig): Promise<string[]> {
  const s3 = makeS3Client({ region: aws.region, endpoint: aws.s3Endpoint!, credentials: aws.credentials!, forcePathStyle: true });
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
    return (listed.Contents ?? []).map((object) => object.Key!);
  } finally {
    s3.destroy();
  }
}

/** Starts the service on a loopback port with a hand-moved clock and captured logs. */
export async function startApp(entry: EntryPoint, options: StartOptions = {}): Promise<TestApp> {
  const clock = new ManualClock(new Date().toISOString());
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const backend = options.backend ?? entry.backend ?? 'memory';
  const dataDir = backend === 'local' ? await mkdtemp(join(tmpdir(), 'image-service-app-')) : undefined;
  let container: Container | undefined;
  let storage: Storage | undefined;
  const queue = new RecordingQueue();
  // Every answer is held to what its route declares, so the code and /openapi.json cannot drift.
  const problems: string[] = [];
  const observeResponses = (route: Route | undefined, response: HttpResponse): void => {
    const problem = answerProblem(route, response);
    if (problem !== undefined) problems.push(problem);
  };
  apps += 1;
  const aws = backend === 'aws' ? { ...requireStack(options.aws).config.aws, bucket: `app-${process.pid}-${apps}`, table: `app-${process.pid}-${apps}` } : undefined;
  const server = await listenOnLoopback(async (url) => {
    const config = loadConfig({ STORAGE: backend, PUBLIC_URL: url, ...(dataDir === undefined ? {} : { DATA_DIR: dataDir }), ...WRITES_UNLIMITED, ...options.env });
    // Imported statically, not through openStorage: mocha loads these files as CommonJS, and a
    // dynamic import would load the domain a second time as ES modules (two DomainError classes).
    storage = backend === 'local' ? await localStorage(config, clock) : aws !== undefined ? awsStorage(aws, '*') : memoryStorage(config, clock);
    await storage.setup();
    container = buildContainer(config, storage, {
      queue,
      ...(options.processing === true ? { processor: new SharpImageProcessor() } : {}),
      ...options.overrides,
      clock,
      logger,
      observeResponses,
    });
    return entry.serve(container);
  });
  return {
    url: server.url,
    clock,
    container: container!,
    storage: storage!,
    ...(dataDir === undefined ? {} : { dataDir }),
    logs,
    queued: queue.ids,
    processQueued: async () => {
      const process = container!.get(TOKENS.ProcessImage);
      for (const id of queue.ids.splice(0)) await process.execute(id);
    },
    objectCount: async () => {
      if (aws !== undefined) return (await bucketKeys(aws)).length;
      if (dataDir === undefined) return (storage!.blobStore as MemoryBlobStore).size;
      return (await filesUnder(join(dataDir, 'blobs'))).length;
    },
    close: async () => {
      await server.close();
      storage!.close();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(`answers that break their declarations:\n  ${problems.join('\n  ')}`);
    },
  };
}
