import { loadConfigOrExit } from './config.ts';
import { awsStorage } from './storage/aws.ts';

/**
 * `npm run setup`: creates the bucket (with CORS) and the table with its indexes, if missing,
 * wherever the configuration points: AWS, or an AWS-compatible endpoint (AWS_ENDPOINT_URL).
 */
const config = loadConfigOrExit();
if (config.storage !== 'aws') {
  console.log(`STORAGE=${config.storage} has nothing to set up: the local store makes its database and folders itself.`);
  process.exit(0);
}
const storage = awsStorage(config.aws, config.corsOrigins);
try {
  await storage.setup();
  console.log(`Ready: bucket ${config.aws.bucket} and table ${config.aws.table} on ${config.aws.s3Endpoint ?? `AWS ${config.aws.region}`}.`);
} catch (error) {
  // An operator runs this, so the underlying cause (hidden from API clients) is what helps here.
  const cause = (error as Error).cause;
  console.error(`Setup failed: ${(error as Error).message}${cause instanceof Error ? ` (${cause.name}: ${cause.message})` : ''}`);
  process.exitCode = 1;
} finally {
  storage.close();
}
