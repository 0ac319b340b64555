import { loadConfig } from './config.ts';
import { buildContainer } from './container.ts';
import { createLambdaHandler } from './lambda-handler.ts';
import { awsStorage } from './storage/aws.ts';
import { memoryStorage } from './storage/memory.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';

// Built once per cold start, outside the handler, and reused by every invocation; a bad
// setting fails the cold start with a message naming it. Only the AWS and memory storages are
// imported, so the bundle carries neither SQLite nor the file store.
const config = loadConfig();
if (config.storage === 'local') throw new Error('On Lambda set STORAGE=aws: STORAGE=local keeps images on one machine.');
const storage = config.storage === 'aws' ? awsStorage(config.aws, config.corsOrigins) : memoryStorage(config, new SystemClock());

export const handler = createLambdaHandler(buildContainer(config, storage));
