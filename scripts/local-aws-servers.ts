// The AWS adapters' test servers (s3rver, dynalite), for tests, benchmarks and the one-off
// migration of a data folder from the embedded servers earlier versions ran.
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface LocalServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  close(): Promise<void>;
}

/** s3rver's built-in account; it accepts requests signed with these keys. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** An S3-compatible server on loopback that keeps its objects under `directory`. */
export async function startS3rver(options: { directory: string; port?: number }): Promise<LocalServer> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, directory: options.directory, silent: true });
  const address = (await server.run()) as AddressInfo;
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/**
 * A DynamoDB-compatible server on loopback, keeping its tables under `directory` (LevelDB),
 * or in memory when no directory is given. Tables are ready as soon as they are created.
 */
export async function startDynalite(options: { directory?: string; port?: number } = {}): Promise<LocalServer> {
  if (options.directory !== undefined) await mkdir(options.directory, { recursive: true });
  const server = dynalite({ path: options.directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
