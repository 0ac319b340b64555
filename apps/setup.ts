import { loadConfigOrExit } from './config.ts';
import { startEmbeddedStack } from './embedded/embedded-stack.ts';
import { awsStorage } from './storage.ts';

/**
 * `npm run setup`: creates the bucket (with CORS) and the table with its indexes, if missing,
 * wherever the configuration points: AWS, LocalStack (AWS_ENDPOINT_URL) or the embedded stack.
 */
const requested = loadConfigOrExit();
if (requested.storage === 'memory') {
  console.log('STORAGE=memory has nothing to set up.');
  process.exit(0);
}
const stack = requested.storage === 'embedded' ? await startEmbeddedStack(requested) : undefined;
const config = stack?.config ?? requested;
const storage = awsStorage(config.aws, config.corsOrigins);
try {
  await storage.setup();
  const where = stack === undefined ? (config.aws.s3Endpoint ?? `AWS ${config.aws.region}`) : `the embedded stack in ${requested.dataDir}`;
  console.log(`Ready: bucket ${config.aws.bucket} and table ${config.aws.table} on ${where}.`);
} catch (error) {
  // An operator runs this, so the underlying cause (hidden from API clients) is what helps here.
  const cause = (error as Error).cause;
  console.error(`Setup failed: ${(error as Error).message}${cause instanceof Error ? ` (${cause.name}: ${cause.message})` : ''}`);
  process.exitCode = 1;
} finally {
  storage.close();
  await stack?.close();
}
