import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import type { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { loadConfig } from '../../apps/config.ts';
import { buildContainer, resolve } from '../../apps/container.ts';
import { createExpressApp } from '../../apps/express-app.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { ManualClock } from '../support/fakes.ts';
import { listenOnLoopback } from '../support/listen.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';

imageCatalogContract('memory', async () => ({ catalog: new MemoryImageCatalog() }));

// The in-memory store's URLs are served by the app itself, so the harness runs the real app.
blobStoreContract('memory', async () => {
  const clock = new ManualClock();
  let store: MemoryBlobStore | undefined;
  const server = await listenOnLoopback((url) => {
    const container = buildContainer(loadConfig({ STORAGE: 'memory', PUBLIC_URL: url, LOG_LEVEL: 'silent' }), { clock });
    store = resolve(container, TOKENS.LocalBlobs);
    return createExpressApp(container);
  });
  return {
    store: store!,
    checksSignatures: true,
    passTime: async (seconds) => clock.advance(seconds * 1000),
    close: () => server.close(),
  };
});
