import { LocalstackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient } from 'testcontainers';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';

export type Availability = { server: LocalServer } | { skipReason: string };

let shared: Promise<Availability> | undefined;

/**
 * LocalStack through Testcontainers, started once per test run where a Docker engine answers.
 * Without one, callers mark their cases pending with the reason: never passed, never failed.
 */
export function localStack(): Promise<Availability> {
  shared ??= (async (): Promise<Availability> => {
    try {
      await getContainerRuntimeClient();
    } catch (error) {
      return { skipReason: `no Docker engine answers (${(error as Error).message.split('\n')[0]})` };
    }
    // Signature checks are off by default in LocalStack, and expiry checks with them.
    const container = await new LocalstackContainer('localstack/localstack:4').withEnvironment({ S3_SKIP_SIGNATURE_VALIDATION: '0' }).start();
    return { server: { endpoint: container.getConnectionUri(), close: async () => void (await container.stop()) } };
  })();
  return shared;
}
