import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../apps/logger.ts';
import { FileBlobStore } from '../../adapters/filesystem/file-blob-store.ts';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { openDatabase } from '../../adapters/sqlite/database.ts';
import type { Db } from '../../adapters/sqlite/database.ts';
import type { SelfServedStore } from '../../adapters/system/self-served-store.ts';
import { UrlSigner } from '../../adapters/system/signed-urls.ts';
import { expressApp } from '../../apps/express-app.ts';
import { fileRoutes } from '../../apps/http/file-routes.ts';
import { createRouter } from '../../apps/http/router.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import { listenOnLoopback } from './listen.ts';

export interface ServedStore<S extends SelfServedStore> {
  store: S;
  url: string;
  close(): Promise<void>;
}

const TEST_LIMITS = {
  corsOrigins: '*' as const,
  rateLimit: { writesPerMinutePerIp: 0, writesPerMinutePerCaller: 0 },
  uploadBudgetBytes: 256 * 1024 * 1024,
  bodyIdleTimeoutMs: 30_000,
};

/** A self-served store behind the service's own file routes, every object servable (no catalog to ask). */
export async function serveStore<S extends SelfServedStore>(make: (publicUrl: string) => Promise<S>, onClose: () => Promise<void> = async () => {}): Promise<ServedStore<S>> {
  let store: S | undefined;
  const server = await listenOnLoopback(async (url) => {
    store = await make(url);
    const routes = fileRoutes(store, async () => true);
    return expressApp(TEST_LIMITS, { route: createRouter(routes), methods: ['GET', 'POST'], authenticate: async () => undefined, logger: createLogger({ level: 'silent' }) });
  });
  return {
    store: store!,
    url: server.url,
    close: async () => {
      await server.close();
      await onClose();
    },
  };
}

export const serveMemoryStore = (clock: Clock): Promise<ServedStore<MemoryBlobStore>> => serveStore(async (url) => new MemoryBlobStore(clock, url));

export interface ServedFileStore extends ServedStore<FileBlobStore> {
  dataDir: string;
  db: Db;
}

/** A file store in a fresh data folder, with its own database, served over HTTP. */
export async function serveFileStore(clock: Clock): Promise<ServedFileStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'image-service-files-'));
  const db = openDatabase(join(dataDir, 'catalog.db'));
  const served = await serveStore(
    async (url) => {
      const store = new FileBlobStore(dataDir, db, clock, new UrlSigner(Buffer.alloc(32, 7), url));
      await store.prepare();
      return store;
    },
    async () => {
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  );
  return { ...served, dataDir, db };
}
