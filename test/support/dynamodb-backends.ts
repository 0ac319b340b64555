import { startDynalite } from '../../scripts/local-aws-servers.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { localStack } from './localstack.ts';
import type { Availability } from './localstack.ts';

/** Starts the server a suite shares, or says why there is none here. */
export type Backend = (() => Promise<LocalServer>) | { skipReason: string };

function ready(availability: Availability, { shared = false } = {}): Backend {
  if ('skipReason' in availability) return availability;
  const { server } = availability;
  return async () => (shared ? { ...server, close: async () => {} } : server);
}

/**
 * Every DynamoDB-compatible server a suite runs on. Availability is settled before suites are
 * declared, so a pending suite's title can say why. The run shares one LocalStack, which
 * Testcontainers removes at exit, so no suite stops it.
 */
export async function dynamoBackends(): Promise<[string, Backend][]> {
  return [
    ['dynalite', () => startDynalite()],
    ['DynamoDB Local', ready(await startDynamoDbLocal())],
    ['LocalStack', ready(await localStack(), { shared: true })],
  ];
}

/**
 * A suite on one backend: pending with the reason where it cannot run, else with its server
 * started once for the suite and stopped after it; `body` reaches the running server.
 */
export function describeOnBackend(title: string, backend: Backend, body: (server: () => LocalServer) => void): void {
  describe(typeof backend === 'function' ? title : `${title} (pending: ${backend.skipReason})`, function () {
    this.timeout(60_000);
    let server: LocalServer | undefined;

    before(async function () {
      if (typeof backend !== 'function') this.skip();
      server = await backend();
    });
    after(async () => server?.close());

    body(() => server!);
  });
}
