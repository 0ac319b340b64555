import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config.ts';
import type { Config } from './config.ts';
import { buildContainer, resolve } from './container.ts';
import { createExpressApp } from './express-app.ts';
import { TOKENS } from './tokens.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const config = readConfig();
const container = buildContainer(config);
const logger = resolve(container, TOKENS.Logger);
const server = createServer(createExpressApp(container));

server.on('error', (error: NodeJS.ErrnoException) => {
  const hint = error.code === 'EADDRINUSE' ? ` (port ${config.port} is in use: set PORT to another port)` : '';
  console.error(`Cannot listen on ${config.host}:${config.port}: ${error.message}${hint}`);
  process.exit(1);
});

server.listen(config.port, config.host, () => {
  logger.info(
    { url: `http://${config.host}:${config.port}`, storage: config.storage, docs: `${config.publicUrl}/docs` },
    'image service listening; storage is in memory, so images are lost when it stops',
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
