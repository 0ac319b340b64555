import { loadConfig } from '../../apps/config.ts';
import type { Config } from '../../apps/config.ts';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver } from './local-aws-servers.ts';
import type { LocalServer } from './local-aws-servers.ts';

export interface AwsTestStack {
  /** STORAGE=aws at the two servers' endpoints. */
  config: Config;
  s3: LocalServer;
  dynamodb: LocalServer;
  close(): Promise<void>;
}

/**
 * s3rver and dynalite on loopback, with a configuration pointing the AWS adapters at them: the
 * production code path without an account. Objects live under `directory`, tables in memory.
 */
export async function startAwsTestStack(directory: string, env: Record<string, string> = {}): Promise<AwsTestStack> {
  const s3 = await startS3rver({ directory });
  const dynamodb = await startDynalite().catch(async (error: unknown) => {
    await s3.close();
    throw error;
  });
  const base = loadConfig({ STORAGE: 'aws', LOG_LEVEL: 'silent', ...env });
  return {
    config: { ...base, aws: { ...base.aws, s3Endpoint: s3.endpoint, dynamodbEndpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS } },
    s3,
    dynamodb,
    close: async () => {
      await Promise.all([s3.close(), dynamodb.close()]);
    },
  };
}
