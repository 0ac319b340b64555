import { expressEntry } from '../support/app.ts';
import { readCases } from './read.cases.ts';
import { serviceCases } from './service.cases.ts';
import { uploadCases } from './upload.cases.ts';

describe('HTTP API through Express', () => {
  uploadCases(expressEntry);
  readCases(expressEntry);
  serviceCases(expressEntry);
});
