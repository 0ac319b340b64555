import type { ImageFormat } from '../image.ts';
import type { ContentHash } from '../ports/content-hash.port.ts';
import type { MetadataScrubber } from '../ports/metadata-scrubber.port.ts';

export interface PreparedOriginal {
  /** What is stored: scrubbed unless the service keeps originals as uploaded. */
  bytes: Uint8Array;
  checksum: string;
}

/**
 * What an original becomes before it is stored: without the metadata that locates or identifies
 * someone (unless originals are kept as uploaded, when only their owner is given the original),
 * with the checksum of exactly the bytes stored.
 */
export class Originals {
  constructor(
    private readonly scrubber: MetadataScrubber,
    private readonly hash: ContentHash,
    /** Keep originals byte for byte: then only their owner may download them. */
    readonly keepMetadata: boolean,
  ) {}

  prepare(uploaded: Uint8Array, format: ImageFormat): PreparedOriginal {
    const bytes = this.keepMetadata ? uploaded : this.scrubber.scrub(uploaded, format);
    return { bytes, checksum: `sha256:${this.hash.sha256(bytes)}` };
  }
}
