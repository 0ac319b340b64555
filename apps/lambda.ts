import { loadConfig } from './config.ts';
import { buildContainer } from './container.ts';
import { createLambdaHandler } from './lambda-handler.ts';

// Built once per cold start, outside the handler, and reused by every invocation; a bad
// setting fails the cold start with a message naming it.
const config = loadConfig();
if (config.storage === 'embedded') throw new Error('On Lambda set STORAGE=aws: the embedded stack is for local use.');

export const handler = createLambdaHandler(buildContainer(config));
