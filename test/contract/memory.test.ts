import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import { MemoryErasureRequests } from '../../adapters/memory/memory-erasure-requests.ts';
import { MemoryIdempotencyStore } from '../../adapters/memory/memory-idempotency-store.ts';
import { lifecycleStoresContract } from './lifecycle-stores.contract.ts';
import { ManualClock } from '../support/fakes.ts';
import { serveMemoryStore } from '../support/serve-store.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';
import { pendingUploadsContract } from './pending-uploads.contract.ts';
import { selfServedStoreContract } from './self-served.contract.ts';

imageCatalogContract('memory', async () => ({ catalog: new MemoryImageCatalog() }));
lifecycleStoresContract('memory', async () => ({ idempotency: new MemoryIdempotencyStore(), erasures: new MemoryErasureRequests() }));
pendingUploadsContract('memory', async () => ({ uploads: new MemoryPendingUploads() }));

// The in-memory store's URLs are served by the app itself, so the harness serves its routes.
blobStoreContract('memory', async () => {
  // Starts at the real time, as a server's clock would, so expiry times compare with the test's.
  const clock = new ManualClock(new Date().toISOString());
  const served = await serveMemoryStore(clock);
  return {
    store: served.store,
    checksSignatures: true,
    enforcesPostPolicy: true,
    passTime: async (seconds) => clock.advance(seconds * 1000),
    close: served.close,
  };
});

selfServedStoreContract('memory', async (clock) => serveMemoryStore(clock));
