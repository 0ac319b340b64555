import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.ts';
import type { Config } from './config.ts';
import { buildContainer, resolve } from './container.ts';
import { startEmbeddedStack } from './embedded/embedded-stack.ts';
import type { EmbeddedStack } from './embedded/embedded-stack.ts';
import { createExpressApp } from './express-app.ts';
import { TOKENS } from './tokens.ts';

const requested = loadConfigOrExit();
const stack = requested.storage === 'embedded' ? await startEmbeddedStack(requested).catch(exitWith('Cannot start the embedded AWS stack')) : undefined;
const config = stack?.config ?? requested;
const container = buildContainer(config);
const logger = resolve(container, TOKENS.Logger);
const storage = resolve(container, TOKENS.Storage);
// The embedded stack is ours to prepare; a real account or LocalStack is prepared with `npm run setup`.
if (stack !== undefined) await storage.setup().catch(exitWith('Cannot create the bucket and table in the embedded stack'));

// DynamoDB's TTL and the bucket's lifecycle rule clear abandoned direct uploads on AWS; locally
// nothing would, so a sweep does.
const sweep = resolve(container, TOKENS.SweepExpiredUploads);
const sweeper = setInterval(() => void sweep.execute().catch((error: unknown) => logger.warn({ err: error }, 'sweep of expired uploads failed')), 60_000);
sweeper.unref();

const server = createServer(createExpressApp(container));
server.on('error', (error: NodeJS.ErrnoException) => {
  const hint = error.code === 'EADDRINUSE' ? ` (port ${config.port} is in use: set PORT to another port)` : '';
  exitWith(`Cannot listen on ${config.host}:${config.port}`)(new Error(`${error.message}${hint}`));
});
server.listen(config.port, config.host, () => logger.info({ url: `http://${config.host}:${config.port}`, docs: `${config.publicUrl}/docs`, ...describeStorage(config, stack) }, 'image service listening'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    storage.close();
    void (stack?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}

function describeStorage(config: Config, stack: EmbeddedStack | undefined): Record<string, unknown> {
  if (stack !== undefined) {
    return { storage: 'embedded S3 (s3rver) and DynamoDB (dynalite)', data_dir: requested.dataDir, s3: stack.s3.endpoint, dynamodb: stack.dynamodb.endpoint };
  }
  if (config.storage === 'memory') return { storage: 'memory: images are lost when the service stops' };
  if (config.pageTokenSecret === undefined) logger.warn('PAGE_TOKEN_SECRET is not set: page tokens will not survive a restart or work across instances');
  return {
    storage: 'aws',
    s3: config.aws.s3Endpoint ?? `AWS ${config.aws.region}`,
    dynamodb: config.aws.dynamodbEndpoint ?? `AWS ${config.aws.region}`,
    bucket: config.aws.bucket,
    table: config.aws.table,
  };
}

function exitWith(context: string): (error: unknown) => never {
  return (error) => {
    console.error(`${context}: ${(error as Error).message}`);
    process.exit(1);
  };
}
