import type { BlobStore } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import type { ErasureRequests } from '../../core/ports/erasure-requests.port.ts';
import type { IdempotencyStore } from '../../core/ports/idempotency-store.port.ts';
import type { ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import type { PendingUploads } from '../../core/ports/pending-uploads.port.ts';
import type { SelfServedStore } from '../../adapters/system/self-served-store.ts';
import type { Config } from '../config.ts';

/** The stores an image needs, chosen by configuration, with their lifecycle. */
export interface Storage {
  blobStore: BlobStore;
  catalog: ImageCatalog;
  /** Direct uploads reserved and not yet completed. */
  pending: PendingUploads;
  erasures: ErasureRequests;
  idempotency: IdempotencyStore;
  /** Set when the service serves the store's URLs itself (the local files, memory). */
  selfServed?: SelfServedStore;
  /** Kept with the data, so page tokens survive a restart; unset where the configuration must give one. */
  pageTokenSecret?: Buffer;
  /** What the start-up log line says about where images live. */
  description: Record<string, unknown>;
  /** Creates what the stores need (bucket, table) if it is missing; nothing to do for the others. */
  setup(): Promise<void>;
  close(): void;
}

/**
 * Opens the configured storage. Each kind is imported only when chosen, so the Lambda bundle,
 * which imports `aws.ts` alone, never carries SQLite or the file store.
 */
export async function openStorage(config: Config, clock: Clock): Promise<Storage> {
  switch (config.storage) {
    case 'local':
      return (await import('./local.ts')).localStorage(config, clock);
    case 'aws':
      return (await import('./aws.ts')).awsStorage(config.aws, config.corsOrigins);
    case 'memory':
      return (await import('./memory.ts')).memoryStorage(config, clock);
  }
}
