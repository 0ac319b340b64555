import type { BlobStore } from '../ports/blob-store.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';

export interface Readiness {
  ready: boolean;
  checks: { blob_store: 'ok' | 'unavailable'; metadata_store: 'ok' | 'unavailable' };
}

export class CheckReadiness {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ImageCatalog,
  ) {}

  async execute(): Promise<Readiness> {
    const answers = async (ping: () => Promise<void>) => ping().then(() => 'ok' as const, () => 'unavailable' as const);
    const [blobStore, metadataStore] = await Promise.all([answers(() => this.blobs.ping()), answers(() => this.catalog.ping())]);
    return { ready: blobStore === 'ok' && metadataStore === 'ok', checks: { blob_store: blobStore, metadata_store: metadataStore } };
  }
}
