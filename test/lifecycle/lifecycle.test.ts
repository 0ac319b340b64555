import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITES_UNLIMITED, expressEntry, expressLocalEntry } from '../support/app.ts';
import type { EntryPoint } from '../support/app.ts';
import { pendingSuite, startAwsTestStack } from '../support/aws-test-stack.ts';
import type { AwsTestStack } from '../support/aws-test-stack.ts';
import { lambdaV1Entry, lambdaV2Entry } from '../support/lambda-entry.ts';
import { erasureInBackgroundCases, lifecycleCases } from './lifecycle.cases.ts';
import { idempotencyCases } from './idempotency.cases.ts';

// Every lifecycle behaviour through both entry points, on memory, the local store and the AWS adapters.
for (const entry of [expressEntry, expressLocalEntry, lambdaV2Entry, lambdaV1Entry] as EntryPoint[]) {
  describe(`lifecycle through ${entry.name}`, () => {
    lifecycleCases(entry);
    idempotencyCases(entry);
    erasureInBackgroundCases(entry);
  });
}

describe('lifecycle on the AWS adapters (s3rver and DynamoDB Local)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let stack: AwsTestStack | undefined;
  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), 'image-service-lifecycle-aws-'));
    const started = await startAwsTestStack(dataDir, WRITES_UNLIMITED);
    if ('skipReason' in started) pendingSuite(this, started.skipReason);
    stack = started;
  });
  after(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
    describe(`through ${entry.name}`, () => {
      const options = () => ({ backend: 'aws' as const, aws: stack! });
      lifecycleCases(entry, options);
      idempotencyCases(entry, options);
      erasureInBackgroundCases(entry, options);
    });
  }
});
