import type { Clock } from '../../core/ports/clock.port.ts';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryErasureRequests } from '../../adapters/memory/memory-erasure-requests.ts';
import { MemoryIdempotencyStore } from '../../adapters/memory/memory-idempotency-store.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import type { Config } from '../config.ts';
import type { Storage } from './storage.ts';

/** Everything in process memory, URLs served by the app itself: for tests and quick tries. */
export function memoryStorage(config: Pick<Config, 'publicUrl'>, clock: Clock): Storage {
  const blobs = new MemoryBlobStore(clock, config.publicUrl);
  return {
    blobStore: blobs,
    selfServed: blobs,
    catalog: new MemoryImageCatalog(),
    pending: new MemoryPendingUploads(),
    erasures: new MemoryErasureRequests(),
    idempotency: new MemoryIdempotencyStore(),
    description: { storage: 'memory: images are lost when the service stops' },
    setup: async () => {},
    close: () => {},
  };
}
