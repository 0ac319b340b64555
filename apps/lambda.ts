import { loadConfig } from './config.ts';
import { buildContainer } from './container.ts';
import { createLambdaHandler } from './lambda-handler.ts';
import { awsStorage } from './storage/aws.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';

// Built once per cold start, outside the handler, and reused by every invocation; a bad
// setting fails the cold start with a message naming it. Only the AWS and memory storages are
// imported, so the bundle carries neither SQLite nor the file store; the memory storage (tests,
// quick tries) is loaded only when chosen, in a chunk of its own that an AWS cold start neither
// reads nor compiles.
const config = loadConfig();
if (config.storage === 'local') throw new Error('On Lambda set STORAGE=aws: STORAGE=local keeps images on one machine.');
const storage = config.storage === 'aws' ? awsStorage(config.aws, config.corsOrigins) : (await import('./storage/memory.ts')).memoryStorage(config, new SystemClock());

export const handler = createLambdaHandler(buildContainer(config, storage));
