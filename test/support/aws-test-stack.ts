import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/config.ts';
import type { Config } from '../../apps/config.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { LOCAL_CREDENTIALS, startS3rver } from '../../scripts/local-aws-servers.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { WRITES_UNLIMITED } from './app.ts';

export interface AwsTestStack {
  /** STORAGE=aws at the two servers' endpoints. */
  config: Config;
  s3: LocalServer;
  dynamodb: LocalServer;
  close(): Promise<void>;
}

/**
 * s3rver and AWS's DynamoDB Local on loopback, with a configuration pointing the AWS adapters at
 * them: the production code path without an account. (dynalite cannot serve the catalog: it has
 * no transactions.) Objects live under `directory`, tables in memory. Where DynamoDB Local cannot
 * run (no java), the reason comes back instead, for the caller to mark its cases pending.
 */
export async function startAwsTestStack(directory: string, env: Record<string, string> = {}): Promise<AwsTestStack | { skipReason: string }> {
  const dynamodb = await startDynamoDbLocal();
  if ('skipReason' in dynamodb) return dynamodb;
  const s3 = await startS3rver({ directory }).catch(async (error: unknown) => {
    await dynamodb.server.close();
    throw error;
  });
  const base = loadConfig({ STORAGE: 'aws', LOG_LEVEL: 'silent', ...env });
  return {
    config: { ...base, aws: { ...base.aws, s3Endpoint: s3.endpoint, dynamodbEndpoint: dynamodb.server.endpoint, credentials: LOCAL_CREDENTIALS } },
    s3,
    dynamodb: dynamodb.server,
    close: async () => {
      await Promise.all([s3.close(), dynamodb.server.close()]);
    },
  };
}

/** Marks the running suite pending with the reason in its title, so the report says why. */
export function pendingSuite(context: Mocha.Context, reason: string): never {
  if (context.test?.parent !== undefined) context.test.parent.title += ` (pending: ${reason})`;
  context.skip();
}

/**
 * The test servers for the tests of one describe, with writes unlimited: started before them in a
 * folder named from `prefix` (the suite is pending, with the reason, where they cannot run) and
 * stopped after. Read `.stack` inside a test or hook.
 */
export function useAwsTestStack(prefix: string): { readonly stack: AwsTestStack } {
  const shared = {} as { stack: AwsTestStack };
  let dataDir: string | undefined;
  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), prefix));
    const started = await startAwsTestStack(dataDir, WRITES_UNLIMITED);
    if ('skipReason' in started) pendingSuite(this, started.skipReason);
    shared.stack = started;
  });
  after(async () => {
    await shared.stack?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });
  return shared;
}
