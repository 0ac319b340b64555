import { expressEntry, expressLocalEntry } from '../support/app.ts';
import type { EntryPoint } from '../support/app.ts';
import { lambdaV1Entry, lambdaV2Entry } from '../support/lambda-entry.ts';
import { readCases } from './read.cases.ts';
import { serviceCases } from './service.cases.ts';
import { uploadCases } from './upload.cases.ts';

// One black-box suite, the same cases and expectations, for every way the service is served.
for (const entry of [expressEntry, expressLocalEntry, lambdaV2Entry, lambdaV1Entry] as EntryPoint[]) {
  describe(`HTTP API through ${entry.name}`, () => {
    uploadCases(entry);
    readCases(entry);
    serviceCases(entry);
  });
}
