import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver } from './local-aws-servers.ts';
import type { LocalServer } from './local-aws-servers.ts';

export interface EmbeddedStack {
  /** The configuration with storage switched to `aws` at the embedded servers' endpoints. */
  config: Config;
  s3: LocalServer;
  dynamodb: LocalServer;
  close(): Promise<void>;
}

/**
 * Starts S3 (s3rver) and DynamoDB (dynalite) on loopback with their data under the data
 * folder, so the production adapters run locally with no account and no Docker, and a
 * restart finds everything where it was.
 */
export async function startEmbeddedStack(config: Config): Promise<EmbeddedStack> {
  const s3 = await startS3rver({ directory: join(config.dataDir, 's3'), port: config.embedded.s3Port });
  let dynamodb: LocalServer;
  try {
    dynamodb = await startDynalite({ directory: join(config.dataDir, 'dynamodb'), port: config.embedded.dynamodbPort });
  } catch (error) {
    await s3.close();
    // LevelDB locks its folder: the usual cause is a second service on the same data.
    throw new Error(`Cannot open the metadata store in ${config.dataDir} (is another instance using this DATA_DIR?): ${(error as Error).message}`, { cause: error });
  }
  return {
    config: {
      ...config,
      storage: 'aws',
      aws: { ...config.aws, s3Endpoint: s3.endpoint, dynamodbEndpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS },
      pageTokenSecret: config.pageTokenSecret ?? (await keptSecret(join(config.dataDir, 'page-token-secret'))),
    },
    s3,
    dynamodb,
    close: async () => {
      await Promise.all([s3.close(), dynamodb.close()]);
    },
  };
}

/** Page tokens must outlive a restart as the data does, so their key is kept beside it. */
async function keptSecret(path: string): Promise<Buffer> {
  const existing = await readFile(path).catch(() => undefined);
  if (existing !== undefined && existing.length >= 32) return existing;
  const secret = randomBytes(32);
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}
