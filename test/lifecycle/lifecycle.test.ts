import { expressEntry, expressLocalEntry } from '../support/app.ts';
import type { EntryPoint } from '../support/app.ts';
import { useAwsTestStack } from '../support/aws-test-stack.ts';
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
  const servers = useAwsTestStack('image-service-lifecycle-aws-');
  for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
    describe(`through ${entry.name}`, () => {
      const options = () => ({ backend: 'aws' as const, aws: servers.stack });
      lifecycleCases(entry, options);
      idempotencyCases(entry, options);
      erasureInBackgroundCases(entry, options);
    });
  }
});
