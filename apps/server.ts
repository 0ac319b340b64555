import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.ts';
import { buildContainer, resolve } from './container.ts';
import { createExpressApp } from './express-app.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';
import { openStorage } from './storage/storage.ts';
import { TOKENS } from './tokens.ts';
import { createLogger } from './logger.ts';
import { LocalWorker } from './processor/local-worker.ts';
import { LocalMaintenance } from './maintenance.ts';
import { ChildImageProcessor } from '../adapters/sharp/child-image-processor.ts';

const config = loadConfigOrExit();
const clock = new SystemClock();
const logger = createLogger({ level: config.logLevel, base: { service: 'image-service' } });
const storage = await openStorage(config, clock).catch(exitWith('Cannot open the storage'));
// Variants are made on this machine unless another process makes them (PROCESSING=external):
// sharp runs in a child process at the lowest CPU priority with one libvips thread per image, so
// the API, sharing the cores, always goes first (bench/pipeline.ts measures it).
const worker = config.processing.mode === 'local' ? new LocalWorker(logger, { concurrency: config.processing.concurrency, attempts: 3, sweepMs: 60_000, retryMs: 5_000 }) : undefined;
const processor = worker === undefined ? undefined : new ChildImageProcessor({ niceness: 19, threads: 1 });
const container = buildContainer(config, storage, { clock, logger, ...(worker === undefined ? {} : { queue: worker, processor: processor! }) });
worker?.start(resolve(container, TOKENS.ProcessImage), resolve(container, TOKENS.ImageCatalog));

// Erasures a 202 left running, trash past its time, abandoned direct uploads: every few seconds,
// so a 202's work goes on at once.
const maintenance = new LocalMaintenance(
  { sweepUploads: resolve(container, TOKENS.SweepExpiredUploads), purgeExpired: resolve(container, TOKENS.PurgeExpired), eraseUsers: resolve(container, TOKENS.EraseUserImages) },
  logger,
  5000,
);
maintenance.start();

const server = createServer(createExpressApp(container));
server.on('error', (error: NodeJS.ErrnoException) => {
  const hint = error.code === 'EADDRINUSE' ? ` (port ${config.port} is in use: set PORT to another port)` : '';
  exitWith(`Cannot listen on ${config.host}:${config.port}`)(new Error(`${error.message}${hint}`));
});
server.listen(config.port, config.host, () => {
  logger.info({ url: `http://${config.host}:${config.port}`, public_url: config.publicUrl, docs: `${config.publicUrl}/docs`, ...storage.description }, 'image service listening');
  if (config.storage === 'aws' && config.pageTokenSecret === undefined) {
    logger.warn('PAGE_TOKEN_SECRET is not set: page tokens will not survive a restart or work across instances');
  }
  // Download URLs name PUBLIC_URL; left at localhost they only work on this machine.
  if (!config.publicUrlSet && !['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
    logger.warn({ public_url: config.publicUrl }, 'HOST lets other machines in, but PUBLIC_URL is not set: the download URLs handed out name localhost; set PUBLIC_URL to the address clients use');
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    // An image half-processed is simply processed again after the restart.
    void Promise.race([Promise.all([worker?.stop(), maintenance.stop()]), new Promise((done) => setTimeout(done, 5000))]).finally(() => {
      storage.close();
      process.exit(0);
    });
  });
}

function exitWith(context: string): (error: unknown) => never {
  return (error) => {
    // Refusals (a data folder in use, an old layout) are written for the reader; anything else
    // keeps its message too, never a stack trace.
    const message = (error as Error).name === 'StorageRefused' ? (error as Error).message : `${context}: ${(error as Error).message}`;
    console.error(message);
    process.exit(1);
  };
}
